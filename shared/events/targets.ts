/**
 * Which webhook targets are safe to POST to: in Azure only `https` to public addresses — no
 * loopback, private, link-local (the metadata endpoint 169.254.169.254 among them), shared, multicast
 * or reserved ranges. The dispatcher must check every address a host name resolves to at send time
 * too (DNS can change). Node's own BlockList does the address matching.
 */
import { BlockList, isIP } from "node:net";

const BLOCKED = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  BLOCKED.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const) {
  BLOCKED.addSubnet(network, prefix, "ipv6");
}

/** Whether an IP address (v4, v6, or v4-mapped v6) is one the service may deliver to. */
export function isPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const ip = mapped ?? address;
  const family = isIP(ip);
  if (family === 0) return false;
  return !BLOCKED.check(ip, family === 4 ? "ipv4" : "ipv6");
}

/** Why a subscription URL is refused before any lookup, or undefined when it may be used. */
export function targetProblem(url: string, allowPrivateTargets: boolean): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "is not a URL";
  }
  if (parsed.username !== "" || parsed.password !== "") return "must not carry credentials";
  if (allowPrivateTargets) {
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? undefined : "must be http(s)";
  }
  if (parsed.protocol !== "https:") return "must be https";
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  if (host === "localhost" || host.endsWith(".localhost")) return "must not be loopback";
  if (isIP(host) !== 0 && !isPublicAddress(host)) return "must be a public address";
  return undefined;
}
