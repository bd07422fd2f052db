/**
 * How a webhook delivery is signed, so a receiver can tell it came from this service and was not
 * replayed: `X-Signature: sha256=<hex HMAC-SHA256 of "<X-Timestamp>.<raw body>" under the
 * subscription's secret>`, the timestamp in unix seconds.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export function signEvent(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`, "utf8").digest("hex")}`;
}

/** What a receiver does: recompute and compare in constant time; refuse a timestamp too far off. */
export function verifyEventSignature(
  secret: string,
  headers: { readonly timestamp: string; readonly signature: string },
  body: string,
  now: Date,
  toleranceSeconds = 300,
): boolean {
  const timestamp = Number(headers.timestamp);
  if (!Number.isSafeInteger(timestamp)) return false;
  if (Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(signEvent(secret, timestamp, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
