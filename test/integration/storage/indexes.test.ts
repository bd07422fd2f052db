import { beforeAll, describe, expect, it } from "vitest";

import type { LineItem, Migration } from "../../../shared/domain/model.js";
import {
  appendHistory,
  commit,
  findCustomerOf,
  findMigration,
  findRelationship,
  INDEX_GRACE_MS,
  listDue,
  loadCustomerState,
  put,
  putPartner,
  removeIndexEntries,
  staleDueEntries,
  withCustomerPartition,
  type DueEntry,
} from "../../../shared/storage/index.js";
import { testTableStore, uniqueId } from "../../setup/tables.js";
import { createFault, isTransactionOn } from "./faults.js";
import { aLineItem, aMigration, anEntry, aPartner, aRelationship } from "./fixtures.js";

const fault = createFault();
const store = testTableStore(import.meta.url, { policies: [fault.policy] });
const later = () => new Date(Date.now() + INDEX_GRACE_MS + 60_000);

// The sweep reads the due entries of every registered partner.
beforeAll(async () => {
  await putPartner(store, aPartner("partner-1"));
});

async function dueFor(customerId: string, kind: DueEntry["kind"], asOf: string): Promise<DueEntry[]> {
  return (await listDue(store, kind, asOf)).filter((entry) => entry.customerId === customerId);
}

function awaitingTermEnd(customerId: string, id: string, items: LineItem[]): Migration {
  return aMigration(customerId, id, { status: "awaiting-term-end", relationshipId: "rel-1", items });
}

describe("indexes", () => {
  it("finds a relationship and a migration by id alone", async () => {
    const customerId = uniqueId("cust");
    const relationshipId = uniqueId("rel");
    const migrationId = uniqueId("mig");
    await commit(store, await loadCustomerState(store, customerId), [
      put.relationship(aRelationship(customerId, relationshipId)),
      put.migration(aMigration(customerId, migrationId)),
    ]);
    expect((await findCustomerOf(store, "relationship", relationshipId))?.customerId).toBe(customerId);
    expect((await findRelationship(store, relationshipId))?.stored.value).toEqual(
      aRelationship(customerId, relationshipId),
    );
    expect(await findMigration(store, migrationId)).toMatchObject({
      customerId,
      stored: { value: aMigration(customerId, migrationId) },
    });
    expect(await findMigration(store, uniqueId("unknown"))).toBeUndefined();
  });

  it("indexes a pending invitation by its expiry day, and drops it once answered", async () => {
    const customerId = uniqueId("cust");
    const pending = aRelationship(customerId, "rel-1", {
      status: "pending",
      expiresAt: "2025-04-10T09:00:00Z",
    });
    await commit(store, await loadCustomerState(store, customerId), [put.relationship(pending)]);

    expect(await dueFor(customerId, "invitation", "2025-04-10T08:59:59.000Z")).toEqual([]);
    expect(await dueFor(customerId, "invitation", "2025-04-12T00:00:00.000Z")).toMatchObject([
      { kind: "invitation", customerId, entityId: "rel-1", dueAt: "2025-04-10T09:00:00.000Z" },
    ]);

    const receipt = await commit(store, await loadCustomerState(store, customerId), [
      put.relationship({ ...pending, status: "active" }),
      appendHistory({ kind: "relationship", id: "rel-1" }, anEntry("pending", "active")),
    ]);
    // The one write is the outbox's pointer for its relationship-accepted event.
    expect(receipt).toMatchObject({ indexWrites: 1, indexRemovals: 1, cleanupErrors: [] });
    expect(await dueFor(customerId, "invitation", "2025-04-12T00:00:00.000Z")).toEqual([]);
  });

  it("keeps one term-end entry per migration, at its earliest pending time, moving it as items finish", async () => {
    const customerId = uniqueId("cust");
    const items = [
      aLineItem("sub-1", { status: "provisioned", cancelAt: "2025-06-01T00:00:00Z" }),
      aLineItem("sub-2", { status: "provisioned", cancelAt: "2025-09-01T00:00:00Z" }),
      aLineItem("sub-3", { status: "provisioned", cancelOriginal: "keep", cancelAt: null }),
    ];
    await commit(store, await loadCustomerState(store, customerId), [
      put.migration(awaitingTermEnd(customerId, "mig-1", items)),
    ]);

    expect(await dueFor(customerId, "term-end", "2025-05-31T23:59:59.000Z")).toEqual([]);
    const [due] = await dueFor(customerId, "term-end", "2025-06-01T00:00:00.000Z");
    expect(due).toMatchObject({
      entityId: "mig-1",
      dueAt: "2025-06-01T00:00:00.000Z",
      key: { partitionKey: "map|partner-1", rowKey: `~due|2025-06-01|${customerId}|mig-1` },
    });

    // The sweep expires the first original: the entry moves to the next term end.
    const afterFirst = items.map((item, index) =>
      index === 0 ? { ...item, status: "original-expired" as const } : item,
    );
    await commit(store, await loadCustomerState(store, customerId), [
      put.migration(awaitingTermEnd(customerId, "mig-1", afterFirst)),
    ]);
    expect(await dueFor(customerId, "term-end", "2025-06-02T00:00:00.000Z")).toEqual([]);
    expect(await dueFor(customerId, "term-end", "2025-09-01T12:00:00.000Z")).toMatchObject([
      { entityId: "mig-1", dueAt: "2025-09-01T00:00:00.000Z" },
    ]);

    // Then the last one, and the migration completes: nothing is due any more.
    const done = afterFirst.map((item, index) =>
      index === 1 ? { ...item, status: "original-expired" as const } : item,
    );
    await commit(store, await loadCustomerState(store, customerId), [
      put.migration({ ...awaitingTermEnd(customerId, "mig-1", done), status: "completed" }),
    ]);
    expect(await dueFor(customerId, "term-end", "2030-01-01T00:00:00.000Z")).toEqual([]);
  });

  it("schedules an item waiting to be provisioned at its provisionAt (MC-3 start at term end)", async () => {
    const customerId = uniqueId("cust");
    const waiting = aLineItem("sub-1", {
      provisionAt: "2025-03-01T00:00:00Z",
      cancelAt: "2025-06-01T00:00:00Z",
    });
    await commit(store, await loadCustomerState(store, customerId), [
      put.migration(aMigration(customerId, "mig-1", { status: "provisioning", items: [waiting] })),
    ]);
    expect(await dueFor(customerId, "term-end", "2025-03-02T00:00:00.000Z")).toMatchObject([
      { entityId: "mig-1", dueAt: "2025-03-01T00:00:00.000Z" },
    ]);
  });

  it("stays consistent when the commit fails after its index entries were written, and a retry repairs it", async () => {
    const customerId = uniqueId("cust");
    const migrationId = uniqueId("mig");
    const decide = () => ({
      changes: [
        put.migration(
          awaitingTermEnd(customerId, migrationId, [
            aLineItem("sub-1", { status: "provisioned", cancelAt: "2025-06-01T00:00:00Z" }),
          ]),
        ),
      ],
      result: undefined,
    });
    fault.arm(isTransactionOn(store.physicalName("customers")));
    await expect(withCustomerPartition(store, customerId, decide)).rejects.toThrow(/injected fault/);
    expect(fault.fired).toBe(1);

    // The index entries were written first; the entity is not there, so readers ignore them.
    expect((await findCustomerOf(store, "migration", migrationId))?.customerId).toBe(customerId);
    expect(await findMigration(store, migrationId)).toBeUndefined();
    const dangling = await dueFor(customerId, "term-end", "2025-06-02T00:00:00.000Z");
    expect(dangling).toHaveLength(1);
    const before = await loadCustomerState(store, customerId);
    expect(before.migrations.size).toBe(0);
    // Within the grace period a commit may still be landing: nothing is stale yet.
    expect(staleDueEntries(before, dangling, new Date())).toEqual([]);
    expect(staleDueEntries(before, dangling, later())).toHaveLength(1);

    // The retry (e.g. the message redelivered) rewrites the entries and commits.
    await withCustomerPartition(store, customerId, decide);
    expect((await findMigration(store, migrationId))?.stored.value.id).toBe(migrationId);
    const after = await loadCustomerState(store, customerId);
    const entries = await dueFor(customerId, "term-end", "2025-06-02T00:00:00.000Z");
    expect(entries).toHaveLength(1);
    expect(staleDueEntries(after, entries, later())).toEqual([]);
  });

  it("never calls an entry stale on the day its entity is due now: that is the live entry's key", async () => {
    const customerId = uniqueId("cust");
    const items = [aLineItem("sub-1", { status: "provisioned", cancelAt: "2025-06-01T18:00:00Z" })];
    await commit(store, await loadCustomerState(store, customerId), [
      put.migration(awaitingTermEnd(customerId, "mig-1", items)),
    ]);
    const state = await loadCustomerState(store, customerId);
    const [live] = await dueFor(customerId, "term-end", "2025-06-02T00:00:00.000Z");
    expect(live?.dueAt).toBe("2025-06-01T18:00:00.000Z");
    // As read before a racing commit moved the term end within the same day.
    const earlier = { ...live!, dueAt: "2025-06-01T06:00:00.000Z" };
    const otherDay = {
      ...live!,
      dueAt: "2025-05-31T06:00:00.000Z",
      key: { ...live!.key, partitionKey: "x" },
    };
    expect(staleDueEntries(state, [earlier], later())).toEqual([]);
    expect(staleDueEntries(state, [otherDay], later())).toEqual([otherDay]);
  });

  it("removes a dangling by-id entry once it is older than the grace period", async () => {
    const customerId = uniqueId("cust");
    const relationshipId = uniqueId("rel");
    fault.arm(isTransactionOn(store.physicalName("customers")));
    await expect(
      commit(store, await loadCustomerState(store, customerId), [
        put.relationship(aRelationship(customerId, relationshipId)),
      ]),
    ).rejects.toThrow(/injected fault/);

    expect(await findRelationship(store, relationshipId)).toBeUndefined();
    expect(await findCustomerOf(store, "relationship", relationshipId)).toBeDefined();
    expect(await findRelationship(store, relationshipId, later())).toBeUndefined();
    expect(await findCustomerOf(store, "relationship", relationshipId)).toBeUndefined();
  });

  it("reports a failed clean-up after a commit that stood, and the stale entry can be removed later", async () => {
    const customerId = uniqueId("cust");
    const first = [aLineItem("sub-1", { status: "provisioned", cancelAt: "2025-06-01T00:00:00Z" })];
    await commit(store, await loadCustomerState(store, customerId), [
      put.migration(awaitingTermEnd(customerId, "mig-1", first)),
    ]);

    // The removal goes in one batch with the customer-map row, after the transaction.
    fault.arm(isTransactionOn(store.physicalName("indexes")));
    const moved = [{ ...first[0]!, cancelAt: "2025-07-01T00:00:00Z" }];
    const receipt = await commit(store, await loadCustomerState(store, customerId), [
      put.migration(awaitingTermEnd(customerId, "mig-1", moved)),
    ]);
    expect(receipt.cleanupErrors).toHaveLength(1);

    const state = await loadCustomerState(store, customerId);
    expect(state.migrations.get("mig-1")?.value.items[0]?.cancelAt).toBe("2025-07-01T00:00:00Z");
    const entries = await dueFor(customerId, "term-end", "2025-07-02T00:00:00.000Z");
    expect(entries.map((entry) => entry.dueAt).sort()).toEqual([
      "2025-06-01T00:00:00.000Z",
      "2025-07-01T00:00:00.000Z",
    ]);

    const stale = staleDueEntries(state, entries, later());
    expect(stale.map((entry) => entry.dueAt)).toEqual(["2025-06-01T00:00:00.000Z"]);
    await removeIndexEntries(
      store,
      stale.map((entry) => entry.key),
    );
    expect(
      (await dueFor(customerId, "term-end", "2025-07-02T00:00:00.000Z")).map((entry) => entry.dueAt),
    ).toEqual(["2025-07-01T00:00:00.000Z"]);
    // Removing what is already gone is fine.
    await removeIndexEntries(
      store,
      stale.map((entry) => entry.key),
    );
  });
});
