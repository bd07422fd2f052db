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
 * A crash delays an event, never loses it.
 */
import type { EventEnvelope } from "../events/catalogue.js";
import type { OutgoingEvent } from "../messaging/sender.js";
import {
  clearOutbox,
  listOutboxPointers,
  readOutbox,
  type CommittedOutbox,
  type CustomerState,
  type OutboxPointer,
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
  rows: readonly { readonly rowKey: string; readonly indexKey?: IndexKey | undefined }[],
  warn: (line: string) => void,
): Promise<void> {
  const pointers = rows.flatMap((row) => (row.indexKey === undefined ? [] : [row.indexKey]));
  try {
    await clearOutbox(
      rt.store,
      customerId,
      rows.map((row) => row.rowKey),
      pointers,
    );
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
