/**
 * Whether some changes fit one entity-group transaction (100 operations, 4 MiB), judged before
 * committing, so a decision too big for one commit can be cut or recorded instead of being refused
 * by the store on every retry. An upper bound: every change counts as an operation, and so does the
 * outbox row of a commit with relationship or migration status steps (one row holds all its events,
 * each about the size of its step).
 */
import type { Change } from "../storage/index.js";
import { MAX_TRANSACTION_BYTES, MAX_TRANSACTION_OPERATIONS } from "../storage/limits.js";

export interface CommitLimits {
  readonly operations: number;
  readonly bytes: number;
}

/** One operation is kept for the partition's version row, which every commit writes too. */
export const COMMIT_LIMITS: CommitLimits = {
  operations: MAX_TRANSACTION_OPERATIONS - 1,
  bytes: MAX_TRANSACTION_BYTES,
};

export function fitsOneCommit(changes: readonly Change[], limits: CommitLimits = COMMIT_LIMITS): boolean {
  const steps = changes.filter(raisesEvent);
  if (changes.length + (steps.length > 0 ? 1 : 0) > limits.operations) return false;
  // As the store estimates a transaction's size, doubled: stored JSON is escaped once more in the entity.
  let bytes = 0;
  for (const change of changes) bytes += 2 * Buffer.byteLength(JSON.stringify(change)) + 1024;
  for (const step of steps) bytes += 2 * Buffer.byteLength(JSON.stringify(step)) + EVENT_ENVELOPE_BYTES;
  return bytes <= limits.bytes;
}

/** What an event adds to its step's own JSON: ids, href, type and the envelope's field names. */
const EVENT_ENVELOPE_BYTES = 512;

function raisesEvent(change: Change): boolean {
  return change.kind === "history" && change.entity.kind !== "subscription";
}
