/**
 * The one answer to "does this fit one entity-group transaction" (100 operations, 4 MiB): the commit
 * checks what it is about to send with it, and a decision asks it beforehand (`changesFit`), so a
 * decision too big for one commit is cut or recorded instead of being refused by the store on every
 * retry. Both count the same rows a commit adds by itself (the partition's version row, a
 * submission's claim row, and the outbox row of a commit with relationship or migration status
 * steps, which holds all its events) and measure an operation the same way; beforehand, a change's JSON is
 * doubled, since stored JSON is escaped once more inside its entity, so the estimate is never below
 * what the commit then measures.
 */
import type { Change } from "./changes.js";
import { MAX_TRANSACTION_BYTES, MAX_TRANSACTION_OPERATIONS } from "./limits.js";

/** Each operation's MIME headers and entity envelope in the batch body, generously. */
const OPERATION_ALLOWANCE_BYTES = 1024;
/** The version row every commit from a loaded state writes besides its changes. */
export const COMMIT_OWN_ROWS = 1;

export interface TransactionSize {
  readonly operations: number;
  readonly bytes: number;
}

/** Why a transaction of this size cannot be sent, or undefined when it fits. */
export function transactionProblem(size: TransactionSize): string | undefined {
  if (size.operations > MAX_TRANSACTION_OPERATIONS) {
    return `${size.operations} operations (at most ${MAX_TRANSACTION_OPERATIONS} in one entity-group transaction)`;
  }
  if (size.bytes > MAX_TRANSACTION_BYTES) {
    return `about ${size.bytes} bytes (at most ${MAX_TRANSACTION_BYTES})`;
  }
  return undefined;
}

/** One operation's share of a batch body, from the JSON of what it sends. */
export function operationBytes(json: string): number {
  return Buffer.byteLength(json) + OPERATION_ALLOWANCE_BYTES;
}

/** The size an upper bound says these changes take as one commit, with the rows the commit adds. */
export function estimateChanges(changes: readonly Change[], extraRows = 0): TransactionSize {
  let bytes = 0;
  let steps = 0;
  let operations = 0;
  // A commit writes one history row per entity it steps, however many steps it records.
  const stepped = new Set<string>();
  for (const change of changes) {
    const json = JSON.stringify(change);
    bytes += operationBytes(json) * 2;
    if (change.kind !== "history") operations += 1;
    else stepped.add(`${change.entity.kind}|${change.entity.id}`);
    // Each status step becomes an event in the outbox row: about its own JSON plus the envelope.
    if (raisesEvent(change)) {
      steps += 1;
      bytes += 2 * Buffer.byteLength(json) + EVENT_ENVELOPE_BYTES;
    }
  }
  const outboxRows = steps > 0 ? 1 : 0;
  return { operations: operations + stepped.size + COMMIT_OWN_ROWS + outboxRows + extraRows, bytes };
}

/** What an event adds to its step's own JSON: ids, href, type and the envelope's field names. */
const EVENT_ENVELOPE_BYTES = 512;

function raisesEvent(change: Change): boolean {
  return change.kind === "history" && change.entity.kind !== "subscription";
}

/** Why a commit of these changes would not fit one transaction, or undefined when it fits. */
export function changesProblem(changes: readonly Change[], extraRows = 0): string | undefined {
  return transactionProblem(estimateChanges(changes, extraRows));
}

/** Whether a commit of these changes fits one transaction. */
export function changesFit(changes: readonly Change[], extraRows = 0): boolean {
  return changesProblem(changes, extraRows) === undefined;
}
