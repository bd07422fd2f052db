/**
 * The transactional outbox against Azurite: a commit's events are in its partition with the change,
 * the relay sends and clears them, and a relay that did not happen (the send failed, or the process
 * died after the commit) is made good by the timer's pass, with the same event ids.
 */
import { beforeAll, describe, expect, it } from "vitest";

import type { OutgoingEvent } from "../../../shared/messaging/sender.js";
import { relayCommitted, relayOrRetry, relayPending } from "../../../shared/pipeline/relay.js";
import {
  appendHistory,
  blankCustomerState,
  commit,
  listOutboxPointers,
  loadCustomerState,
  put,
  readOutbox,
  TABLE_NAMES,
  withCustomerPartition,
  withCustomerPartitionForMessage,
} from "../../../shared/storage/index.js";
import { testTableStore, uniqueId } from "../../setup/tables.js";
import { aRelationship, anEntry } from "../storage/fixtures.js";

const store = testTableStore(import.meta.url);

beforeAll(async () => {
  await Promise.all(TABLE_NAMES.map((table) => store.table(table)));
});

function capture() {
  const sent: OutgoingEvent[] = [];
  return {
    sent,
    runtime: {
      store,
      sendEvents: (messages: readonly OutgoingEvent[]) => {
        sent.push(...messages);
        return Promise.resolve();
      },
    },
  };
}

async function pointersOf(customerId: string) {
  return (await listOutboxPointers(store)).filter((pointer) => pointer.customerId === customerId);
}

async function requestAndInvite(customerId: string) {
  const submitted = aRelationship(customerId, "rel-1", { status: "submitted" });
  const first = await commit(store, blankCustomerState(customerId), [
    put.relationship(submitted),
    appendHistory({ kind: "relationship", id: "rel-1" }, anEntry(null, "submitted")),
  ]);
  const second = await withCustomerPartition(store, customerId, () => ({
    changes: [
      put.relationship({ ...submitted, status: "pending", expiresAt: "2025-04-10T09:00:00Z" }),
      appendHistory({ kind: "relationship", id: "rel-1" }, anEntry("submitted", "pending")),
    ],
    result: undefined,
  }));
  return [first.outbox, second.receipt.outbox] as const;
}

describe("the outbox", () => {
  it("holds each commit's events with its change, numbered per resource across commits", async () => {
    const customerId = uniqueId("cust");
    const [first, second] = await requestAndInvite(customerId);
    expect(first?.events.map((event) => [event.type, event.sequence])).toEqual([
      ["relationship-requested", 1],
    ]);
    expect(second?.events.map((event) => [event.type, event.sequence])).toEqual([
      ["relationship-invitation-sent", 2],
    ]);
    // Rows come back in row-key order (the first event's id), not commit order.
    const held = (await readOutbox(store, customerId)).flatMap((row) => row.events);
    expect(held.sort((a, b) => a.sequence - b.sequence)).toEqual([
      ...(first?.events ?? []),
      ...(second?.events ?? []),
    ]);
    expect(await pointersOf(customerId)).toHaveLength(2);
    // The counters live on the entity row, outside its domain value.
    const state = await loadCustomerState(store, customerId);
    expect(state.relationships.get("rel-1")?.events).toEqual({ "rel-1": 2 });
  });

  it("is cleared by the relay once the events are sent, message id = event id", async () => {
    const customerId = uniqueId("cust");
    const [first, second] = await requestAndInvite(customerId);
    const { sent, runtime } = capture();
    expect(await relayCommitted(runtime, first)).toBe(true);
    expect(await relayCommitted(runtime, second)).toBe(true);
    expect(sent.map((message) => message.messageId)).toEqual(
      [...(first?.events ?? []), ...(second?.events ?? [])].map((event) => event.id),
    );
    expect(await readOutbox(store, customerId)).toEqual([]);
    expect(await pointersOf(customerId)).toEqual([]);
  });

  it("keeps what a failed relay could not send, and the timer's pass sends it with the same ids", async () => {
    const customerId = uniqueId("cust");
    const [first] = await requestAndInvite(customerId);
    const warnings: string[] = [];
    const failing = { store, sendEvents: () => Promise.reject(new Error("Service Bus unreachable")) };
    expect(await relayCommitted(failing, first, (line) => warnings.push(line))).toBe(false);
    expect(warnings).toEqual([expect.stringContaining("left for the relay timer")]);

    const { sent, runtime } = capture();
    // Within the grace period the timer leaves the pointers alone: a relay may be under way.
    await relayPending(runtime, new Date(), 60_000);
    expect(
      sent.filter(
        (message) =>
          message.message.type === "partner-event" && message.message.event.customerId === customerId,
      ),
    ).toEqual([]);

    const report = await relayPending(runtime, new Date(Date.now() + 120_000), 60_000);
    expect(report.failed).toEqual([]);
    const mine = sent.filter(
      (message) =>
        message.message.type === "partner-event" && message.message.event.customerId === customerId,
    );
    // Rows come back in row-key order, not commit order: receivers order by sequence.
    expect(mine.map((message) => message.messageId)).toEqual(
      expect.arrayContaining([first?.events[0]?.id, expect.stringMatching(/^evt_/)]),
    );
    expect(mine).toHaveLength(2);
    expect(await readOutbox(store, customerId)).toEqual([]);
    expect(await pointersOf(customerId)).toEqual([]);
  });

  it("drops a pointer whose commit never landed", async () => {
    const customerId = uniqueId("cust");
    const [first] = await requestAndInvite(customerId);
    const { runtime } = capture();
    await relayCommitted(runtime, first);
    // The pointer of a commit that failed after its index write: no outbox row behind it.
    const { writeIndexEntries } = await import("../../../shared/storage/indexes.js");
    await writeIndexEntries(store, [{ ...first!.indexKey!, fields: { customerId } }]);
    const report = await relayPending(runtime, new Date(Date.now() + 120_000), 60_000);
    expect(report.failed).toEqual([]);
    expect(await pointersOf(customerId)).toEqual([]);
  });
});

describe("a queue message's commits: the message is the pointer", () => {
  /** As the intake commits (no pointer), then a processor's unit of work moves the relationship on. */
  async function submitThenProcess(customerId: string) {
    const submitted = aRelationship(customerId, "rel-1", { status: "submitted" });
    const intake = await commit(
      store,
      blankCustomerState(customerId),
      [
        put.relationship(submitted),
        appendHistory({ kind: "relationship", id: "rel-1" }, anEntry(null, "submitted")),
      ],
      { outboxPointer: false },
    );
    const processed = await withCustomerPartitionForMessage(store, customerId, () => ({
      changes: [
        put.relationship({ ...submitted, status: "pending", expiresAt: "2025-04-10T09:00:00Z" }),
        appendHistory({ kind: "relationship", id: "rel-1" }, anEntry("submitted", "pending")),
      ],
      result: undefined,
    }));
    return { intake, processed };
  }

  it("writes no outbox pointer; the processor relays what it loaded and what it committed, then clears both", async () => {
    const customerId = uniqueId("cust");
    const { intake, processed } = await submitThenProcess(customerId);
    expect(await pointersOf(customerId)).toEqual([]);
    // The processor's load brought the intake's events along.
    expect(processed.state.outbox.flatMap((row) => row.events)).toEqual(intake.outbox?.events);
    const { sent, runtime } = capture();
    await relayOrRetry(runtime, processed);
    expect(sent.map((message) => message.messageId)).toEqual(
      [...(intake.outbox?.events ?? []), ...(processed.receipt.outbox?.events ?? [])].map(
        (event) => event.id,
      ),
    );
    expect(sent).toHaveLength(2);
    expect(await readOutbox(store, customerId)).toEqual([]);
  });

  it("a failed send throws, keeping the events; the message's redelivery sends them, same ids", async () => {
    const customerId = uniqueId("cust");
    const { processed } = await submitThenProcess(customerId);
    const failing = { store, sendEvents: () => Promise.reject(new Error("Service Bus unreachable")) };
    await expect(relayOrRetry(failing, processed)).rejects.toThrow(/unreachable/);
    expect((await readOutbox(store, customerId)).flatMap((row) => row.events)).toHaveLength(2);

    // Redelivered: the relationship is past that step, so nothing changes, and the relay sends what is left.
    const again = await withCustomerPartitionForMessage(store, customerId, () => ({
      changes: [],
      result: undefined,
    }));
    expect(again.receipt.operations).toBe(0);
    const { sent, runtime } = capture();
    await relayOrRetry(runtime, again);
    expect(
      sent.map((message) => message.message.type === "partner-event" && message.message.event.sequence),
    ).toEqual(expect.arrayContaining([1, 2]));
    expect(sent).toHaveLength(2);
    expect(await readOutbox(store, customerId)).toEqual([]);
    expect(await pointersOf(customerId)).toEqual([]);
  });
});
