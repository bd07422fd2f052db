/**
 * The outbox relay: right after a commit, its events go onto the partner-events queue, all of them
 * in one message (several if they exceed a message's size) whose id is derived from their ids, so a
 * second send of the same set collapses in duplicate detection and the dispatcher's delivery records
 * (keyed by event and subscription) make any other repeat harmless; then they leave the outbox. If
 * the process dies between the commit and the send, or the send fails, the events stay in the
 * partition and are sent later:
 * - by the relay timer, led there by the commit's `outbox|` index entry (commits made for an HTTP
 *   request: `relayCommitted`);
 * - by the redelivery of the queue message the commit was made for, which reloads the partition and
 *   relays whatever it still holds (`relayOrRetry`): the message is the pointer, so such commits
 *   write none. The intake's commits write none either: the processing message they send leads the
 *   processor to the partition, and a retried request sends it again.
 * - the migration processor's commits (`withMessageCommit`) keep no outbox row at all and delete the
 *   intake's: the intake's events and the decision's are sent together after the commit, before the
 *   message is settled, and a redelivery that finds the commit already made sends them again from
 *   the migration's history rows, under the same ids — also when it then steps the migration further
 *   (its relationship answered meanwhile): a subject past its intake's revision goes out whole.
 * A crash delays an event, never loses it.
 */
import { createHash } from "node:crypto";

import type { EventEnvelope } from "../events/catalogue.js";
import { MAX_EVENTS_MESSAGE_BYTES } from "../messaging/messages.js";
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
  type OutboxRow,
  type UnitOfWorkOutcome,
} from "../storage/index.js";
import type { IndexKey } from "../storage/indexPlan.js";
import { isOlderThan } from "../storage/indexes.js";
import type { Runtime } from "./runtime.js";

/** How old a pointer must be before the timer acts on it: the relay of its commit may be under way. */
export const RELAY_GRACE_MS = 60_000;

type RelayRuntime = Pick<Runtime, "store" | "sendEvents">;

/**
 * The partner-events messages that carry a set of events: as few as fit the message size, each
 * event once. A message's id is derived from its events' sorted ids, so the same set sent again
 * (the relay's and the timer's, or a redelivery's from history) collapses in duplicate detection.
 */
export function eventMessages(events: readonly EventEnvelope[]): OutgoingEvent[] {
  const seen = new Set<string>();
  const chunks: EventEnvelope[][] = [];
  let chunk: EventEnvelope[] = [];
  let bytes = 0;
  for (const event of events) {
    if (seen.has(event.id)) continue;
    seen.add(event.id);
    const size = Buffer.byteLength(JSON.stringify(event)) + 1;
    if (chunk.length > 0 && bytes + size > MAX_EVENTS_MESSAGE_BYTES - EVENTS_MESSAGE_OVERHEAD_BYTES) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(event);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks.map((carried) => ({
    messageId: eventsMessageId(carried),
    message: { schemaVersion: 1, type: "partner-events", events: carried },
  }));
}

/** The body's JSON around its events: `{"schemaVersion":1,"type":"partner-events","events":[]}`. */
const EVENTS_MESSAGE_OVERHEAD_BYTES = 64;

function eventsMessageId(events: readonly EventEnvelope[]): string {
  const ids = events.map((event) => event.id).sort();
  return `events-${createHash("sha256").update(ids.join("\n")).digest("hex")}`;
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
 * 1. of the events the load brought, those of other entities (left by their commits) are sent first,
 *    so the decision's own transaction deletes their rows at no extra round trip; those of the
 *    message's subjects (the intake's `submitted`) are held back, and deleted by that transaction too;
 * 2. the decision commits with its due entries written after it, in one batch with the customer-map
 *    rows (commit.ts `deferDueEntries`);
 * 3. the held-back events and the decision's go out in one send; only then may the caller settle the
 *    message.
 * Whatever fails after the commit throws, so the message comes again. A delivery whose decision
 * changes nothing (a redelivery of a message whose commit stood, or a crash after it) sends the
 * subjects' events again from their history rows, the held-back ones among them (same ids, so
 * duplicates collapse), rewrites the index entries and map rows the state stands for, and clears the
 * rows the load brought.
 * Round trips, happy path: 1 load + 1 transaction + 1 per partner map partition; a redelivery adds
 * 1 history query per subject.
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
      const others = state.outbox.filter((row) => !sent.has(row.rowKey) && !replayable(state, subjects, row));
      if (others.length > 0) {
        await rt.sendEvents(eventMessages(others.flatMap((row) => row.events)));
        for (const row of others) sent.add(row.rowKey);
      }
      return decide(state, attempt);
    },
    { outboxPointer: false, eventRows: false, deferDueEntries: true, clearLoadedOutbox: true },
  );
  const held = done.state.outbox.filter((row) => !sent.has(row.rowKey)).flatMap((row) => row.events);
  if (done.receipt.operations > 0) {
    const raised = [...held, ...(done.receipt.outbox?.events ?? [])];
    // A subject an earlier delivery already stepped (past the intake's revision 1) may have had that
    // commit's events lost with its process: send its whole history again with this commit's.
    const stepped = subjects.filter((subject) => (storedSubject(done.state, subject)?.revision ?? 0) > 1);
    if (stepped.length > 0) await resendFromHistory(rt, done.state, stepped, raised);
    else if (raised.length > 0) await rt.sendEvents(eventMessages(raised));
    if (done.receipt.deferredError !== undefined) {
      throw new Error(
        `customer ${customerId} committed, but its due entries were not written; the redelivery writes them`,
        { cause: done.receipt.deferredError },
      );
    }
    return done;
  }
  await Promise.all([
    // The held-back rows are cleared only once their events are sent.
    resendFromHistory(rt, done.state, subjects, held).then(() =>
      clearSent(rt, customerId, done.state.outbox, warn),
    ),
    rewriteStandingIndexes(rt.store, done.state),
  ]);
  return done;
}

/**
 * Whether a loaded outbox row's events are all about the message's subjects and rebuilt whole by
 * `eventsOfHistory` from their history rows: a redelivery after the commit that deleted the row
 * sends them again from there. An invitation-made event's invitation is not in history, so its row
 * is sent before the decision like the others.
 */
function replayable(state: CustomerState, subjects: readonly MessageSubject[], row: OutboxRow): boolean {
  return row.events.every((event) => {
    if (event.data.invitation !== undefined || event.resource.kind === "webhook") return false;
    const [entityId] = event.resource.id.split("/");
    const kind = event.resource.kind === "relationship" ? "relationship" : "migration";
    const held = kind === "migration" ? state.migrations : state.relationships;
    return (
      subjects.some((subject) => subject.kind === kind && subject.id === entityId) && held.has(entityId ?? "")
    );
  });
}

function storedSubject(state: CustomerState, subject: MessageSubject) {
  return subject.kind === "migration"
    ? state.migrations.get(subject.id)
    : state.relationships.get(subject.id);
}

/**
 * The subjects' events, from their history rows (1 query per subject), with `alsoSend` (events the
 * load brought or the commit raised), each once: one send.
 */
async function resendFromHistory(
  rt: RelayRuntime,
  state: CustomerState,
  subjects: readonly MessageSubject[],
  alsoSend: readonly EventEnvelope[],
): Promise<void> {
  const events = await Promise.all(
    subjects.map(async (subject) => {
      const stored = storedSubject(state, subject);
      if (stored === undefined) return [];
      const history = await readHistory(rt.store, state.customerId, subject);
      return eventsOfHistory(state.customerId, stored.value.partnerId, subject, history, stored.events ?? {});
    }),
  );
  // History first, in its order; what it also holds is sent once, under its ids.
  const all = [...events.flat(), ...alsoSend];
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
