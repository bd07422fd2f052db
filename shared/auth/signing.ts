/**
 * Request signatures: HMAC-SHA256, under the signing key's secret, of the whole request —
 * "<X-Timestamp>\n<METHOD>\n<path and query>\n<Idempotency-Key or empty>\n<raw body>" — sent as
 * `X-Key-Id`, `X-Timestamp` and `X-Signature: sha256=<hex>`. Binding method, path and key stops a
 * signature made for one request from being replayed onto another.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const KEY_ID_HEADER = "x-key-id";
export const TIMESTAMP_HEADER = "x-timestamp";
export const SIGNATURE_HEADER = "x-signature";
export const IDEMPOTENCY_HEADER = "idempotency-key";
/** A timestamp further than this from the service's clock is a replay. */
export const REPLAY_WINDOW_SECONDS = 300;

export interface SignedParts {
  timestamp: string;
  method: string;
  /** The path and query exactly as in the request line, e.g. /api/migrations?x=1. */
  pathAndQuery: string;
  idempotencyKey: string;
  body: string | Buffer;
}

/** The string a caller signs. */
export function signingString(parts: Omit<SignedParts, "body">): string {
  return `${parts.timestamp}\n${parts.method.toUpperCase()}\n${parts.pathAndQuery}\n${parts.idempotencyKey}\n`;
}

export function signatureHex(secret: string, parts: SignedParts): string {
  return createHmac("sha256", secret).update(signingString(parts)).update(parts.body).digest("hex");
}

export interface SignRequest {
  keyId: string;
  secret: string;
  method: string;
  pathAndQuery: string;
  idempotencyKey?: string | undefined;
  body?: string | Buffer | undefined;
  now?: Date | undefined;
}

/** The headers a caller sends; the demo, tests and benchmarks sign exactly as a portal must. */
export function signRequest(request: SignRequest): Record<string, string> {
  const timestamp = String(Math.floor((request.now ?? new Date()).getTime() / 1000));
  const idempotencyKey = request.idempotencyKey ?? "";
  const hex = signatureHex(request.secret, {
    timestamp,
    method: request.method,
    pathAndQuery: request.pathAndQuery,
    idempotencyKey,
    body: request.body ?? "",
  });
  return {
    [KEY_ID_HEADER]: request.keyId,
    [TIMESTAMP_HEADER]: timestamp,
    [SIGNATURE_HEADER]: `sha256=${hex}`,
    ...(idempotencyKey === "" ? {} : { [IDEMPOTENCY_HEADER]: idempotencyKey }),
  };
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/** Whether the headers sign these parts under `secret`; the comparison takes constant time. */
export function verifySignature(input: {
  timestamp: string | null;
  signature: string | null;
  parts: Omit<SignedParts, "timestamp">;
  secret: string;
  now: Date;
}): SignatureCheck {
  const { timestamp, signature, now } = input;
  if (timestamp === null || signature === null) {
    return { ok: false, reason: "X-Timestamp and X-Signature headers are required" };
  }
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "X-Timestamp must be unix seconds" };
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > REPLAY_WINDOW_SECONDS) {
    return {
      ok: false,
      reason: `X-Timestamp is more than ${REPLAY_WINDOW_SECONDS} seconds from the service's clock`,
    };
  }
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(signature);
  if (match?.[1] === undefined) return { ok: false, reason: "X-Signature must be sha256=<64 hex digits>" };
  const expected = Buffer.from(signatureHex(input.secret, { ...input.parts, timestamp }), "hex");
  return timingSafeEqual(expected, Buffer.from(match[1].toLowerCase(), "hex"))
    ? { ok: true }
    : { ok: false, reason: "X-Signature does not match the request" };
}
