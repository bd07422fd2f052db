/**
 * Webhook signatures (API.md "Signed webhooks"): HMAC-SHA256 over "<X-Timestamp>.<raw body>",
 * sent as "X-Signature: sha256=<hex>". Any configured secret may match, so secrets can rotate.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const TIMESTAMP_HEADER = "x-timestamp";
export const SIGNATURE_HEADER = "x-signature";
/** A timestamp further than this from the service's clock is a replay. */
export const REPLAY_WINDOW_SECONDS = 300;

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/** The header value a caller sends for this body at this time. */
export function signWebhook(secret: string, timestampSeconds: number, rawBody: string | Buffer): string {
  return `sha256=${hmacHex(secret, String(timestampSeconds), rawBody)}`;
}

/** Headers for a signed request; the demo, tests and benchmarks sign exactly as a portal must. */
export function signedHeaders(
  secret: string,
  rawBody: string,
  now: Date = new Date(),
): { "x-timestamp": string; "x-signature": string } {
  const timestamp = Math.floor(now.getTime() / 1000);
  return { "x-timestamp": String(timestamp), "x-signature": signWebhook(secret, timestamp, rawBody) };
}

export function verifyWebhookSignature(input: {
  timestamp: string | null;
  signature: string | null;
  rawBody: Buffer;
  secrets: readonly string[];
  now: Date;
}): SignatureCheck {
  const { timestamp, signature, rawBody, secrets, now } = input;
  if (timestamp === null || signature === null) {
    return { ok: false, reason: "X-Timestamp and X-Signature headers are required" };
  }
  if (!/^\d{1,12}$/.test(timestamp)) {
    return { ok: false, reason: "X-Timestamp must be unix seconds" };
  }
  const skew = Math.abs(now.getTime() / 1000 - Number(timestamp));
  if (skew > REPLAY_WINDOW_SECONDS) {
    return {
      ok: false,
      reason: `X-Timestamp is more than ${REPLAY_WINDOW_SECONDS} seconds from the service's clock`,
    };
  }
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(signature);
  if (match?.[1] === undefined) {
    return { ok: false, reason: "X-Signature must be sha256=<64 hex digits>" };
  }
  const given = Buffer.from(match[1].toLowerCase(), "hex");
  // Every secret is compared, in constant time, so timing reveals neither which one nor how much matched.
  let matched = false;
  for (const secret of secrets) {
    const expected = Buffer.from(hmacHex(secret, timestamp, rawBody), "hex");
    matched = timingSafeEqual(expected, given) || matched;
  }
  return matched ? { ok: true } : { ok: false, reason: "X-Signature does not match the body" };
}

function hmacHex(secret: string, timestamp: string, rawBody: string | Buffer): string {
  return createHmac("sha256", secret).update(`${timestamp}.`).update(rawBody).digest("hex");
}
