/**
 * Summarises a V8 CPU profile (`.cpuprofile`, from BENCH_PROFILE_DIR or `node --cpu-prof`): self time
 * by where the code lives — an npm package, a folder of this repository, a Node.js internal module,
 * or the engine (garbage collector, idle) — so "where does the CPU go" has a one-screen answer.
 * `--callers` counts Node.js's own code (sockets, HTTP parsing, natives such as JSON.parse) towards
 * the package or folder that called it: which layer's work it is rather than where it ran.
 *
 *   tsx bench/profileSummary.ts <file.cpuprofile> [--top 25] [--callers]
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";

import { z } from "zod";

const profileSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string() }),
      children: z.array(z.number()).optional(),
    }),
  ),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});

/** Where a frame's code lives, as a short group name. */
export function groupOf(url: string, functionName: string): string {
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)";
  const modules = url.lastIndexOf("/node_modules/");
  if (modules >= 0) {
    const parts = url.slice(modules + "/node_modules/".length).split("/");
    return parts[0]?.startsWith("@") === true ? `${parts[0]}/${parts[1] ?? ""}` : (parts[0] ?? url);
  }
  if (url.startsWith("node:")) return url.split("/").slice(0, 2).join("/");
  const repo = /\/(functions|shared|local|bench|test|infra)\/([^/]+)/.exec(url);
  if (repo !== null) {
    const [, top, next] = repo;
    return top === "shared" || top === "local"
      ? `${top}/${(next ?? "").replace(/\.[cm]?[jt]s$/, "")}`
      : (top ?? url);
  }
  return url;
}

/** Groups of Node.js's own code, which `callers` hands to the frame's nearest other caller. */
function isNodeOwn(group: string): boolean {
  return group === "(native)" || group.startsWith("node:");
}

export function summarise(
  raw: unknown,
  options: { readonly callers?: boolean } = {},
): { totalMs: number; groups: [string, number][] } {
  const profile = profileSchema.parse(raw);
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const groupOfNode = (id: number): string => {
    const frame = frames.get(id);
    if (frame === undefined) return "(unknown)";
    const own = groupOf(frame.url, frame.functionName);
    if (options.callers !== true || !isNodeOwn(own)) return own;
    for (let up = parents.get(id); up !== undefined; up = parents.get(up)) {
      const caller = frames.get(up);
      const group = caller === undefined ? "(unknown)" : groupOf(caller.url, caller.functionName);
      if (!isNodeOwn(group) && group !== "(root)") return group;
    }
    return own;
  };
  const groups = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const micros = profile.timeDeltas[index] ?? 0;
    const group = groupOfNode(id);
    groups.set(group, (groups.get(group) ?? 0) + micros);
    total += micros;
  });
  return {
    totalMs: total / 1000,
    groups: [...groups]
      .map(([name, micros]): [string, number] => [name, micros / 1000])
      .sort((a, b) => b[1] - a[1]),
  };
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, "/"));
if (invokedDirectly) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: "string" }, callers: { type: "boolean", default: false } },
  });
  const file = z.string().parse(positionals[0]);
  const top = z.coerce
    .number()
    .int()
    .positive()
    .parse(values.top ?? "25");
  const { totalMs, groups } = summarise(JSON.parse(await readFile(file, "utf8")), {
    callers: values.callers,
  });
  process.stdout.write(`profiled: ${totalMs.toFixed(0)} ms\n`);
  for (const [name, ms] of groups.slice(0, top)) {
    process.stdout.write(`${name}: ${ms.toFixed(0)} ms (${((100 * ms) / totalMs).toFixed(1)}%)\n`);
  }
}
