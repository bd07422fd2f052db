/**
 * The transactional outbox against Azurite: a commit's events are in its partition with the change,
 * the relay sends and clears them, and a relay that did not happen (the send failed, or the process
 * died after the commit) is made good by the timer's pass, with the same event ids.
 */
import { beforeAll, describe, expect, it } from "vitest";

import type { EventEnvelope } from "../../../shared/events/catalogue.js";
import { eventsCarried, MAX_EVENTS_MESSAGE_BYTES } from "../../../shared/messaging/messages.js";
import type { OutgoingEvent } from "../../../shared/messaging/sender.js";
import {
  eventMessages,
  relayCommitted,
  relayOrRetry,
  relayPending,
  withMessageCommit,
} from "../../../shared/pipeline/relay.js";
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
import { aMigration, aRelationship, anEntry, stepOnce } from "../storage/fixtures.js";

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

function eventsIn(sent: readonly OutgoingEvent[]): EventEnvelope[] {
  return sent.flatMap((message) => eventsCarried(message.message));
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

  it("is cleared by the relay once the events are sent, one message a commit", async () => {
    const customerId = uniqueId("cust");
    const [first, second] = await requestAndInvite(customerId);
    const { sent, runtime } = capture();
    expect(await relayCommitted(runtime, first)).toBe(true);
    expect(await relayCommitted(runtime, second)).toBe(true);
    expect(sent).toHaveLength(2);
    expect(eventsIn(sent).map((event) => event.id)).toEqual(
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
    expect(eventsIn(sent).filter((event) => event.customerId === customerId)).toEqual([]);

    const report = await relayPending(runtime, new Date(Date.now() + 120_000), 60_000);
    expect(report.failed).toEqual([]);
    const mine = eventsIn(sent).filter((event) => event.customerId === customerId);
    // Rows come back in row-key order, not commit order: receivers order by sequence.
    expect(mine.map((event) => event.id)).toEqual(
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
    // One message for both.
    expect(sent).toHaveLength(1);
    expect(eventsIn(sent).map((event) => event.id)).toEqual(
      [...(intake.outbox?.events ?? []), ...(processed.receipt.outbox?.events ?? [])].map(
        (event) => event.id,
      ),
    );
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
    expect(eventsIn(sent).map((event) => event.sequence)).toEqual(expect.arrayContaining([1, 2]));
    expect(sent).toHaveLength(1);
    expect(await readOutbox(store, customerId)).toEqual([]);
    expect(await pointersOf(customerId)).toEqual([]);
  });
});

describe("the migration processor's unit of work: one send for the intake's events and the decision's", () => {
  /** As the intake commits a migration (no pointer), and a relationship's event left unsent beside it. */
  async function intake(customerId: string) {
    const relationship = await commit(
      store,
      blankCustomerState(customerId),
      [
        put.relationship(aRelationship(customerId, "rel-1", { status: "submitted" })),
        appendHistory({ kind: "relationship", id: "rel-1" }, anEntry(null, "submitted")),
      ],
      { outboxPointer: false },
    );
    const migration = await withCustomerPartition(
      store,
      customerId,
      () => ({
        changes: [
          put.migration(aMigration(customerId, "mig-1")),
          appendHistory({ kind: "migration", id: "mig-1" }, anEntry(null, "submitted")),
        ],
        result: undefined,
      }),
      { outboxPointer: false },
    );
    return { relationship: relationship.outbox!.events, submitted: migration.receipt.outbox!.events };
  }

  /** The processor's decision: submitted → rejected, once; a later delivery changes nothing. */
  const decide = stepOnce("migration", "mig-1", "submitted", "rejected");
  const subjects = [{ kind: "migration", id: "mig-1" }] as const;

  it("sends other entities' loaded events first, then one message holding submitted and the decision's events", async () => {
    const customerId = uniqueId("cust");
    const { relationship, submitted } = await intake(customerId);
    const { sent, runtime } = capture();
    const done = await withMessageCommit(runtime, customerId, subjects, decide);
    expect(sent).toHaveLength(2);
    expect(eventsIn(sent.slice(0, 1))).toEqual(relationship);
    const decided = done.receipt.outbox!.events;
    expect(eventsIn(sent.slice(1))).toEqual([...submitted, ...decided]);
    expect(eventsIn(sent.slice(1)).map((event) => event.type)).toEqual([
      "migration-submitted",
      "migration-rejected",
    ]);
    expect(await readOutbox(store, customerId)).toEqual([]);
  });

  it("a crash after the commit: the redelivery sends the same events, whole, from history, in one message", async () => {
    const customerId = uniqueId("cust");
    const { submitted } = await intake(customerId);
    const attempts: OutgoingEvent[][] = [];
    // Sends before the commit go through; the one after it fails, as if the process died there.
    const dying = {
      store,
      sendEvents: (messages: readonly OutgoingEvent[]) => {
        attempts.push([...messages]);
        return attempts.length === 1 ? Promise.resolve() : Promise.reject(new Error("process died"));
      },
    };
    await expect(withMessageCommit(dying, customerId, subjects, decide)).rejects.toThrow(/died/);
    const lost = eventsIn(attempts[1] ?? []);
    expect(lost.map((event) => event.type)).toEqual(["migration-submitted", "migration-rejected"]);
    // The commit deleted the intake's row: what was lost lives only in the migration's history.
    expect(await readOutbox(store, customerId)).toEqual([]);

    const { sent, runtime } = capture();
    const again = await withMessageCommit(runtime, customerId, subjects, decide);
    expect(again.receipt.operations).toBe(0);
    expect(sent).toHaveLength(1);
    expect(eventsIn(sent)).toEqual(lost);
    expect(eventsIn(sent)[0]).toEqual(submitted[0]);
    // Same set, same message id: had the first send gone out, duplicate detection drops this one.
    expect(sent[0]?.messageId).toBe(attempts[1]?.[0]?.messageId);
  });

  it("a crash after the commit, then a redelivery that steps the migration further: nothing the first commit raised is lost", async () => {
    const customerId = uniqueId("cust");
    const { submitted } = await intake(customerId);
    // The relationship's event goes out before the commit; the send after it dies with the process.
    let sends = 0;
    const dying = {
      store,
      sendEvents: () => {
        sends += 1;
        return sends === 1 ? Promise.resolve() : Promise.reject(new Error("process died"));
      },
    };
    const waits = stepOnce("migration", "mig-1", "submitted", "awaiting-relationship");
    await expect(withMessageCommit(dying, customerId, subjects, waits)).rejects.toThrow(/died/);

    // The relationship was answered meanwhile, so the redelivery's decision moves the migration on.
    const { sent, runtime } = capture();
    const moves = stepOnce("migration", "mig-1", "awaiting-relationship", "rejected");
    const again = await withMessageCommit(runtime, customerId, subjects, moves);
    expect(again.receipt.operations).toBeGreaterThan(0);
    const migrationEvents = eventsIn(sent).filter((event) => event.resource.kind === "migration");
    expect(migrationEvents.map((event) => event.type)).toEqual([
      "migration-submitted",
      "migration-awaiting-relationship",
      "migration-rejected",
    ]);
    expect(migrationEvents[0]).toEqual(submitted[0]);
    const ids = eventsIn(sent).map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
    // The decision's own events under the ids its commit gave them.
    for (const event of again.receipt.outbox?.events ?? []) expect(ids).toContain(event.id);
  });

  it("a first delivery that decides nothing sends the loaded submitted event once, and clears its row", async () => {
    const customerId = uniqueId("cust");
    await intake(customerId);
    const { sent, runtime } = capture();
    const done = await withMessageCommit(runtime, customerId, subjects, () => ({
      changes: [],
      result: undefined,
    }));
    expect(done.receipt.operations).toBe(0);
    const ids = eventsIn(sent).map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(eventsIn(sent).map((event) => event.type)).toEqual([
      "relationship-requested",
      "migration-submitted",
    ]);
    expect(await readOutbox(store, customerId)).toEqual([]);
  });
});

describe("eventMessages", () => {
  it("carries each event once, in as few messages as fit, ids independent of the events' order", async () => {
    const customerId = uniqueId("cust");
    const receipt = await commit(store, blankCustomerState(customerId), [
      put.relationship(aRelationship(customerId, "rel-1", { status: "submitted" })),
      appendHistory({ kind: "relationship", id: "rel-1" }, anEntry(null, "submitted")),
      appendHistory({ kind: "relationship", id: "rel-1" }, anEntry("submitted", "pending")),
    ]);
    const events = receipt.outbox!.events;
    const [one] = eventMessages([...events, ...events]);
    expect(eventMessages([...events, ...events])).toHaveLength(1);
    expect(one && eventsCarried(one.message)).toEqual(events);
    expect(eventMessages([...events].reverse())[0]?.messageId).toBe(one?.messageId);
    expect(eventMessages(events.slice(0, 1))[0]?.messageId).not.toBe(one?.messageId);

    // A set too big for one message goes in several, each under the size, every event in one of them.
    const note = "n".repeat(2000);
    const many = Array.from({ length: 200 }, (_, n) => ({
      ...events[0]!,
      id: `evt_${n.toString(16).padStart(32, "0")}`,
      data: { ...events[0]!.data, note },
    }));
    const split = eventMessages(many);
    expect(split.length).toBeGreaterThan(1);
    for (const message of split) {
      expect(Buffer.byteLength(JSON.stringify(message.message))).toBeLessThanOrEqual(
        MAX_EVENTS_MESSAGE_BYTES,
      );
    }
    expect(split.flatMap((message) => eventsCarried(message.message))).toEqual(many);
  });
});
