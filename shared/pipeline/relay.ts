/**
 * The outbox relay: right after a commit, its events go onto the partner-events queue (message id =
 * event id, so a second send of one event collapses in duplicate detection, and the dispatcher's
 * delivery records make a later one harmless) and leave the outbox. If the process dies between the
 * commit and the send, or the send fails, the events stay in the partition and are sent later:
 * - by the relay timer, led there by the commit's `outbox|` index entry (commits made for an HTTP
 *   request: `relayCommitted`);
 * - by the redelivery of the queue message the commit was made for, which reloads the partition and
 *   relays whatever it still holds (`relayOrRetry`): the message is the pointer, so such commits
 *   write none. The intake's commits write none either: the processing message they send leads the
 *   processor to the partition, and a retried request sends it again.
 * - the migration processor's commits (`withMessageCommit`) keep no outbox row at all: their events
 *   are sent after the commit, before the message is settled, and a redelivery that finds the
 *   commit already made sends them again from the history rows it wrote, under the same ids.
 * A crash delays an event, never loses it.
 */
import type { EventEnvelope } from "../events/catalogue.js";
import type { OutgoingEvent } from "../messaging/sender.js";
import { eventsOfHistory } from "../events/outbox.js";
import {
  clearOutbox,
  listOutboxPointers,
  readHistory,
  readOutbox,
  rewriteStandingIndexes,
  withCustomerPartition,
  type CommittedOutbox,
  type CustomerState,
  type Decide,
  type OutboxPointer,
  type UnitOfWorkOutcome,
} from "../storage/index.js";
import type { IndexKey } from "../storage/indexPlan.js";
import { isOlderThan } from "../storage/indexes.js";
import type { Runtime } from "./runtime.js";

/** How old a pointer must be before the timer acts on it: the relay of its commit may be under way. */
export const RELAY_GRACE_MS = 60_000;

type RelayRuntime = Pick<Runtime, "store" | "sendEvents">;

export function eventMessages(events: readonly EventEnvelope[]): OutgoingEvent[] {
  return events.map((event) => ({
    messageId: event.id,
    message: { schemaVersion: 1, type: "partner-event", event },
  }));
}

/**
 * Sends a commit's events and clears them from the outbox. Never throws: the commit stands either
 * way, and what this could not do the timer does. Returns whether the events went out.
 */
export async function relayCommitted(
  rt: RelayRuntime,
  outbox: CommittedOutbox | undefined,
  warn: (line: string) => void = console.warn,
): Promise<boolean> {
  if (outbox === undefined) return true;
  try {
    await rt.sendEvents(eventMessages(outbox.events));
  } catch (error) {
    warn(`events of customer ${outbox.customerId} left for the relay timer: ${String(error)}`);
    return false;
  }
  await clearSent(rt, outbox.customerId, [outbox], warn);
  return true;
}

/**
 * Clears sent events' outbox rows and pointers. A failure only warns: they were sent, so a later
 * relay (the timer's, or the message's redelivery) sends them once more under the same ids.
 */
async function clearSent(
  rt: RelayRuntime,
  customerId: string,
  rows: readonly { readonly rowKey: string | undefined; readonly indexKey?: IndexKey | undefined }[],
  warn: (line: string) => void,
): Promise<void> {
  const pointers = rows.flatMap((row) => (row.indexKey === undefined ? [] : [row.indexKey]));
  const rowKeys = rows.flatMap((row) => (row.rowKey === undefined ? [] : [row.rowKey]));
  if (rowKeys.length === 0 && pointers.length === 0) return;
  try {
    await clearOutbox(rt.store, customerId, rowKeys, pointers);
  } catch (error) {
    warn(`events of customer ${customerId} sent, not cleared: ${String(error)}`);
  }
}

/**
 * For a queue processor's unit of work committed without an outbox pointer: sends the events the
 * partition held when it was loaded (left by an earlier attempt, or by the intake) and those the
 * commit raised, then clears their rows — 1 round trip for them all. A failed send throws, so the
 * message is redelivered and its next attempt relays them again; a failed clear only warns (they
 * were sent: a later relay sends them once more under the same ids).
 */
export async function relayOrRetry(
  rt: RelayRuntime,
  done: {
    readonly state: CustomerState;
    readonly receipt: { readonly outbox?: CommittedOutbox | undefined };
  },
  warn: (line: string) => void = console.warn,
): Promise<void> {
  const rows = [...done.state.outbox, ...(done.receipt.outbox === undefined ? [] : [done.receipt.outbox])];
  if (rows.length === 0) return;
  await rt.sendEvents(eventMessages(rows.flatMap((row) => row.events)));
  await clearSent(rt, done.state.customerId, rows, warn);
}

/** A relationship or migration a queue message is about: whose events its redelivery sends again. */
export interface MessageSubject {
  readonly kind: "relationship" | "migration";
  readonly id: string;
}

/**
 * The unit of work of a queue message whose commit keeps no outbox row (the migration processor's):
 * 1. the events the load brought (the intake's `submitted`, or any left by other commits) are sent
 *    first, so the decision's own transaction deletes their rows at no extra round trip;
 * 2. the decision commits with its due entries written after it, in one batch with the customer-map
 *    rows (commit.ts `deferDueEntries`);
 * 3. its events are sent; only then may the caller settle the message.
 * Whatever fails after the commit throws, so the message comes again. A delivery whose decision
 * changes nothing (a redelivery of a message whose commit stood, or a crash after it) sends the
 * subjects' events again from their history rows (same ids, so duplicates collapse), rewrites the
 * index entries and map rows the state stands for, and clears the rows the load brought.
 * Round trips, happy path: 1 load + 1 transaction + 1 per partner map partition; a redelivery adds
 * 1 history read per subject.
 */
export async function withMessageCommit<R>(
  rt: RelayRuntime,
  customerId: string,
  subjects: readonly MessageSubject[],
  decide: Decide<R>,
  warn: (line: string) => void = console.warn,
): Promise<UnitOfWorkOutcome<R>> {
  const sent = new Set<string>();
  const done = await withCustomerPartition(
    rt.store,
    customerId,
    async (state, attempt) => {
      const unsent = state.outbox.filter((row) => !sent.has(row.rowKey));
      if (unsent.length > 0) {
        await rt.sendEvents(eventMessages(unsent.flatMap((row) => row.events)));
        for (const row of unsent) sent.add(row.rowKey);
      }
      return decide(state, attempt);
    },
    { outboxPointer: false, eventRows: false, deferDueEntries: true, clearLoadedOutbox: true },
  );
  if (done.receipt.operations > 0) {
    if (done.receipt.outbox !== undefined) await rt.sendEvents(eventMessages(done.receipt.outbox.events));
    if (done.receipt.deferredError !== undefined) {
      throw new Error(
        `customer ${customerId} committed, but its due entries were not written; the redelivery writes them`,
        { cause: done.receipt.deferredError },
      );
    }
    return done;
  }
  await Promise.all([
    resendFromHistory(rt, done.state, subjects),
    rewriteStandingIndexes(rt.store, done.state),
    clearSent(rt, customerId, done.state.outbox, warn),
  ]);
  return done;
}

/** The subjects' events, from their history rows: 1 query per subject, then one send. */
async function resendFromHistory(
  rt: RelayRuntime,
  state: CustomerState,
  subjects: readonly MessageSubject[],
): Promise<void> {
  const events = await Promise.all(
    subjects.map(async (subject) => {
      const stored =
        subject.kind === "migration" ? state.migrations.get(subject.id) : state.relationships.get(subject.id);
      if (stored === undefined) return [];
      const history = await readHistory(rt.store, state.customerId, subject);
      return eventsOfHistory(state.customerId, stored.value.partnerId, subject, history, stored.events ?? {});
    }),
  );
  const all = events.flat();
  if (all.length > 0) await rt.sendEvents(eventMessages(all));
}

export interface RelayReport {
  readonly customers: number;
  readonly events: number;
  /** Customers whose events could not be sent this run (the next run tries again). */
  readonly failed: readonly string[];
}

/**
 * The timer's work: every customer with a pointer older than the grace period gets its whole outbox
 * sent and cleared. A pointer whose commit never landed finds no events and is just removed.
 */
export async function relayPending(
  rt: RelayRuntime,
  now: Date,
  graceMs: number = RELAY_GRACE_MS,
): Promise<RelayReport> {
  const byCustomer = new Map<string, OutboxPointer[]>();
  for (const pointer of await listOutboxPointers(rt.store)) {
    if (!isOlderThan(pointer.writtenAt, now, graceMs)) continue;
    byCustomer.set(pointer.customerId, [...(byCustomer.get(pointer.customerId) ?? []), pointer]);
  }
  let sent = 0;
  const failed: string[] = [];
  for (const [customerId, pointers] of byCustomer) {
    try {
      const rows = await readOutbox(rt.store, customerId);
      const events = rows.flatMap((row) => row.events);
      await rt.sendEvents(eventMessages(events));
      await clearOutbox(
        rt.store,
        customerId,
        rows.map((row) => row.rowKey),
        pointers.map((pointer) => pointer.key),
      );
      sent += events.length;
    } catch {
      failed.push(customerId);
    }
  }
  return { customers: byCustomer.size, events: sent, failed };
}
