/**
 * The W3C `traceparent` the host gives an invocation: a new span in the caller's trace when it sent
 * one, else in a new trace. Its ids are cut from a pooled block of random bytes: a `randomBytes` call
 * per id, two an invocation, was about 1% of the host's CPU in the pipeline benchmark's profile.
 */
import { randomBytes } from "node:crypto";

const TRACE_PARENT = /^00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;
const POOL_BYTES = 4096;

let pool = Buffer.alloc(0);
let used = 0;

function randomHex(bytes: number): string {
  if (used + bytes > pool.length) {
    pool = randomBytes(POOL_BYTES);
    used = 0;
  }
  const hex = pool.toString("hex", used, used + bytes);
  used += bytes;
  return hex;
}

export function traceParentFor(incoming: string | undefined): string {
  const traceId = TRACE_PARENT.exec(incoming ?? "")?.[1] ?? randomHex(16);
  return `00-${traceId}-${randomHex(8)}-01`;
}
