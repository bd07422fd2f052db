/**
 * The unit of work the processors use: load a customer's state, let a pure `decide` say what
 * changes, commit them as one conditional transaction; when a racing writer got there first (409 /
 * 412), reload and decide again on the new state, a bounded number of times.
 */
import { setTimeout as sleep } from "node:timers/promises";

import type { Change } from "./changes.js";
import { commit, type CommitOptions, type CommitReceipt } from "./commit.js";
import { loadCustomerState, type CustomerState, type LoadOptions } from "./customerState.js";
import { ConcurrencyConflictError, WriteConflictError } from "./errors.js";
import type { TableStore } from "./tableStore.js";

export interface Decision<R> {
  /** What to write; empty (or only unchanged entities) writes nothing. */
  readonly changes: readonly Change[];
  /** Whatever the caller wants back, e.g. the outcome to answer or log. */
  readonly result: R;
}

/**
 * Decides on a state. Called again, on a fresh state, after each lost race, so it must not write
 * anything itself; it may read reference data (e.g. offers named by the state's subscriptions).
 */
export type Decide<R> = (state: CustomerState, attempt: number) => Decision<R> | Promise<Decision<R>>;

export interface UnitOfWorkOptions
  extends LoadOptions, Pick<CommitOptions, "outboxPointer" | "eventRows" | "deferDueEntries"> {
  /** Delete the outbox rows the load brought in the commit's own transaction (the caller sends them). */
  readonly clearLoadedOutbox?: boolean;
  /** Attempts before giving up with ConcurrencyConflictError; default 5. */
  readonly maxAttempts?: number;
  /** Backoff before attempt n+1: a random delay up to backoffMs × 2^(n-1) (full jitter); default 20. */
  readonly backoffMs?: number;
  /** Told about each lost race (for logs and metrics). */
  readonly onConflict?: (conflict: WriteConflictError, attempt: number) => void;
}

export interface UnitOfWorkOutcome<R> {
  readonly result: R;
  /** 1 when the first decision committed. */
  readonly attempts: number;
  /** The state the committed decision was made on. */
  readonly state: CustomerState;
  readonly receipt: CommitReceipt;
}

export const DEFAULT_MAX_ATTEMPTS = 5;
const DEFAULT_BACKOFF_MS = 20;

/**
 * Round trips when no race is lost: 1 load + the commit's (0 if nothing changed, else 1 plus index
 * writes). Each lost race adds a load and a commit attempt.
 */
export async function withCustomerPartition<R>(
  store: TableStore,
  customerId: string,
  decide: Decide<R>,
  options: UnitOfWorkOptions = {},
): Promise<UnitOfWorkOutcome<R>> {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new Error(`maxAttempts must be a positive integer`);
  }
  const backoffMs = options.backoffMs ?? DEFAULT_BACKOFF_MS;
  for (let attempt = 1; ; attempt += 1) {
    const state = await loadCustomerState(store, customerId, options);
    const decision = await decide(state, attempt);
    try {
      const receipt = await commit(store, state, decision.changes, {
        outboxPointer: options.outboxPointer ?? true,
        eventRows: options.eventRows ?? true,
        deferDueEntries: options.deferDueEntries ?? false,
        clearOutboxRows: options.clearLoadedOutbox === true ? state.outbox.map((row) => row.rowKey) : [],
      });
      return { result: decision.result, attempts: attempt, state, receipt };
    } catch (error) {
      if (!(error instanceof WriteConflictError)) throw error;
      options.onConflict?.(error, attempt);
      if (attempt >= maxAttempts) throw new ConcurrencyConflictError(customerId, attempt, error);
      await sleep(Math.random() * backoffMs * 2 ** (attempt - 1));
    }
  }
}

/**
 * The unit of work of a queue message: its commits write no outbox pointer, because the message,
 * redelivered until the relay of its events succeeded (relay.ts relayOrRetry), stands in for one.
 */
export function withCustomerPartitionForMessage<R>(
  store: TableStore,
  customerId: string,
  decide: Decide<R>,
): Promise<UnitOfWorkOutcome<R>> {
  return withCustomerPartition(store, customerId, decide, { outboxPointer: false });
}
