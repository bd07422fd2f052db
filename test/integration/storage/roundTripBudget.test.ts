/**
 * What one migration costs in Table Storage round trips (each one a billed transaction) on the happy
 * path, as the HTTP intake and the queue processor call the storage layer. Counts, not times.
 */
import { beforeAll, describe, expect, it } from "vitest";

import {
  appendHistory,
  findMigration,
  getOffers,
  getPartner,
  listOutboxPointers,
  listPartnerDue,
  loadCustomerState,
  readOutbox,
  type CustomerState,
  hashRequest,
  locatingId,
  put,
  RoundTripCounter,
  TABLE_NAMES,
  takeSubmissionOnce,
} from "../../../shared/storage/index.js";
import { eventsCarried } from "../../../shared/messaging/messages.js";
import type { OutgoingEvent } from "../../../shared/messaging/sender.js";
import { withMessageCommit } from "../../../shared/pipeline/relay.js";
import { testTableStore, uniqueId } from "../../setup/tables.js";
import { createFault, isTransactionOn } from "./faults.js";
import { eventIdFor } from "../../../shared/events/catalogue.js";
import { readCustomerMap } from "../../../shared/storage/customerMap.js";
import { aLineItem, aMigration, anEntry } from "./fixtures.js";

const counter = new RoundTripCounter();
const store = testTableStore(import.meta.url, { counter });
const fault = createFault();
const faultyStore = testTableStore(import.meta.url, { policies: [fault.policy] });
const DIGEST = "0123456789abcdef0123456789abcdef";

beforeAll(async () => {
  await Promise.all(TABLE_NAMES.map((table) => store.table(table)));
});

function submission(customerId: string, key: string, body: string) {
  const migrationId = locatingId("mig", DIGEST, customerId);
  if (migrationId === undefined) throw new Error("the id does not fit");
  const submitted = aMigration(customerId, migrationId, {
    items: [aLineItem("sub-1", { cancelAt: "2025-06-01T00:00:00Z" })],
  });
  const claim = {
    scope: "partner-1",
    key,
    requestHash: hashRequest({ method: "POST", route: "/api/migrations", body }),
    customerId,
    entity: { kind: "migration", id: migrationId } as const,
    response: { status: 202, headers: { location: `/api/migrations/${migrationId}` }, body: "{}" },
  };
  const changes = [
    put.migration(submitted),
    appendHistory({ kind: "migration", id: migrationId }, anEntry(null, "submitted")),
  ];
  return { migrationId, claim, changes };
}

/** The events a processor sends, by event id, in order, and how many messages carried them. */
function recordingRuntime() {
  const sent: string[] = [];
  const messages = { count: 0 };
  return {
    sent,
    messages,
    rt: {
      store,
      sendEvents: (outgoing: readonly OutgoingEvent[]) => {
        messages.count += outgoing.length;
        sent.push(...outgoing.flatMap((message) => eventsCarried(message.message).map((event) => event.id)));
        return Promise.resolve();
      },
    },
  };
}

/** The processor's decision on the submitted migration: provisioned, awaiting its term end. */
function provision(migrationId: string) {
  return (state: CustomerState) => {
    const migration = state.migrations.get(migrationId)!.value;
    if (migration.status !== "submitted") return { changes: [], result: undefined };
    return {
      changes: [
        put.migration({
          ...migration,
          status: "awaiting-term-end",
          items: migration.items.map((item) => ({ ...item, status: "provisioned" as const })),
        }),
        appendHistory({ kind: "migration", id: migrationId }, anEntry("submitted", "provisioning")),
        appendHistory({ kind: "migration", id: migrationId }, anEntry("provisioning", "awaiting-term-end")),
      ],
      result: undefined,
    };
  };
}

describe("round trips per migration", () => {
  it("intake 1 (claim, entity, history and outbox row in one transaction) + processor 3 (load, decision, map row and due entry) + relay 0", async () => {
    const customerId = uniqueId("cust");
    const key = uniqueId("key");
    const { migrationId, claim, changes } = submission(customerId, key, "{}");

    counter.reset();
    expect(await takeSubmissionOnce(store, claim, changes, { now: new Date() })).toMatchObject({
      kind: "new",
    });
    // No outbox pointer: the processing message leads the processor to the submitted event.
    expect(counter.snapshot()).toMatchObject({ total: 1, byKind: { transaction: 1 } });

    // Processor: reference data (cached by the processors, so once per process), then one unit of work.
    counter.reset();
    await getPartner(store, "partner-1");
    await getOffers(store, ["o365-e3", "o365-e5"]);
    expect(counter.total).toBe(2);

    // The load brings the intake's event, whose row the decision's transaction deletes; it goes out
    // after the commit in one message with the decision's own events; the customer-map row and the
    // due entry share the partner's map partition: one batch after the transaction.
    counter.reset();
    const { sent, messages, rt } = recordingRuntime();
    const subject = { kind: "migration", id: migrationId } as const;
    const done = await withMessageCommit(rt, customerId, [subject], provision(migrationId));
    expect(counter.snapshot()).toMatchObject({ total: 3, byKind: { query: 1, transaction: 2 } });
    expect(done.state.outbox).toHaveLength(1);
    expect(done.receipt.outbox?.rowKey).toBeUndefined();
    expect(messages.count).toBe(1);
    expect(sent).toEqual([...done.state.outbox[0]!.events, ...done.receipt.outbox!.events].map((e) => e.id));

    // Nothing is left for a relay: no outbox row, no pointer.
    counter.reset();
    expect(await readOutbox(store, customerId)).toEqual([]);
    expect((await listOutboxPointers(store)).filter((p) => p.customerId === customerId)).toEqual([]);
    expect(
      (await listPartnerDue(store, "term-end", "partner-1", "2025-06-01T00:00:00.000Z")).filter(
        (entry) => entry.customerId === customerId,
      ),
    ).toMatchObject([{ entityId: migrationId, dueAt: "2025-06-01T00:00:00.000Z" }]);

    // A GET by id alone: the id names its partition, one point read.
    counter.reset();
    expect((await findMigration(store, migrationId))?.stored.value.status).toBe("awaiting-term-end");
    expect(counter.snapshot()).toMatchObject({ total: 1, byKind: { "point-read": 1 } });
  });

  it("a redelivery after the commit stood sends the same events again, from the history, and rewrites the due entry", async () => {
    const customerId = uniqueId("cust");
    const { migrationId, claim, changes } = submission(customerId, uniqueId("key"), "{}");
    await takeSubmissionOnce(store, claim, changes, { now: new Date() });
    const subject = { kind: "migration", id: migrationId } as const;

    // The first delivery commits, deleting the intake's outbox row, then its process dies before
    // the events (the intake's and the decision's, one send) go out and before the map partition is
    // written (that write fails).
    const dying = {
      store: faultyStore,
      sendEvents: () => Promise.reject(new Error("the process died")),
    };
    fault.arm(isTransactionOn(faultyStore.physicalName("indexes")));
    await expect(withMessageCommit(dying, customerId, [subject], provision(migrationId))).rejects.toThrow(
      /the process died/,
    );
    expect(fault.fired).toBe(1);
    const stored = await loadCustomerState(store, customerId);
    expect(stored.migrations.get(migrationId)?.value.status).toBe("awaiting-term-end");
    expect(stored.outbox).toEqual([]);
    expect(
      await listPartnerDue(store, "term-end", "partner-1", "2025-06-01T00:00:00.000Z"),
    ).not.toContainEqual(expect.objectContaining({ entityId: migrationId }));

    // The redelivery finds nothing to decide: it sends every event of the migration, the intake's
    // included, under the ids the commits raised them with, and writes the due entry and the map row.
    const again = recordingRuntime();
    const redone = await withMessageCommit(again.rt, customerId, [subject], provision(migrationId));
    expect(redone.receipt.operations).toBe(0);
    // submitted, provisioning, awaiting-term-end: the migration's sequences 1 to 3.
    const raised = [1, 2, 3].map((sequence) => eventIdFor(customerId, "migration", migrationId, sequence));
    expect(again.sent).toEqual(raised);
    expect(again.messages.count).toBe(1);
    expect(
      (await listPartnerDue(store, "term-end", "partner-1", "2025-06-01T00:00:00.000Z")).filter(
        (entry) => entry.customerId === customerId,
      ),
    ).toMatchObject([{ entityId: migrationId }]);
    const map = await readCustomerMap(store, "partner-1", { now: new Date(), limit: 1000 });
    expect(map.customers.find((summary) => summary.customerId === customerId)?.migrations).toEqual({
      "awaiting-term-end": 1,
    });
  });

  it("replays the same request, refuses another under the same key, and finds nothing by a forged id", async () => {
    const customerId = uniqueId("cust");
    const key = uniqueId("key");
    const first = submission(customerId, key, "{}");
    await takeSubmissionOnce(store, first.claim, first.changes, { now: new Date() });

    counter.reset();
    expect(await takeSubmissionOnce(store, first.claim, first.changes, { now: new Date() })).toEqual({
      kind: "replay",
      response: first.claim.response,
      resend: true,
    });
    // The refused insert, then one query for the claim and the entity.
    expect(counter.snapshot()).toMatchObject({ total: 2, byKind: { transaction: 1, query: 1 } });

    const other = submission(customerId, key, `{"changed":true}`);
    expect(
      await takeSubmissionOnce(
        store,
        { ...other.claim, entity: { kind: "migration", id: locatingId("mig", "f".repeat(32), customerId)! } },
        [put.migration({ ...aMigration(customerId, locatingId("mig", "f".repeat(32), customerId)!) })],
        { now: new Date() },
      ),
    ).toEqual({ kind: "mismatch" });

    // Another customer's name on a real id's digest, or a made-up digest: nothing, by the id or the index.
    expect(await findMigration(store, locatingId("mig", DIGEST, uniqueId("cust"))!)).toBeUndefined();
    expect(await findMigration(store, locatingId("mig", "e".repeat(32), customerId)!)).toBeUndefined();
  });
});
