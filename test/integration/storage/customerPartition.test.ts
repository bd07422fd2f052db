import { describe, expect, it } from "vitest";

import { MAX_MIGRATION_ITEMS, type Violation } from "../../../shared/domain/model.js";
import {
  appendHistory,
  blankCustomerState,
  commit,
  EntityLimitError,
  getEntity,
  InvalidChangesError,
  listEntities,
  loadCustomerState,
  put,
  readHistory,
  RoundTripCounter,
} from "../../../shared/storage/index.js";
import { buildEntity } from "../../../shared/storage/entityIo.js";
import { testTableStore, uniqueId } from "../../setup/tables.js";
import { aCustomer, aLineItem, aMigration, anEntry, aRelationship, aSubscription, T0 } from "./fixtures.js";

const counter = new RoundTripCounter();
const store = testTableStore(import.meta.url, { counter });

async function rowKeysOf(customerId: string): Promise<string[]> {
  const client = await store.table("customers");
  const keys: string[] = [];
  for await (const row of client.listEntities({
    queryOptions: { filter: `PartitionKey eq '${customerId}'` },
  })) {
    keys.push(row.rowKey ?? "");
  }
  return keys;
}

describe("a customer partition", () => {
  it("round-trips a whole customer: profile, subscriptions, relationship, migration with items, history", async () => {
    const customerId = uniqueId("cust");
    const customer = aCustomer(customerId, { isCspPartner: true });
    const subscriptions = [
      aSubscription(customerId, "sub-1"),
      aSubscription(customerId, "sub-2", {
        kind: "usage",
        channel: "ea",
        seats: undefined,
        billingCycle: "none",
      }),
    ];
    const relationship = aRelationship(customerId, "rel-1", {
      status: "pending",
      expiresAt: "2025-04-10T09:00:00.000Z",
    });
    const migration = aMigration(customerId, "mig-1", {
      status: "awaiting-relationship",
      relationshipId: "rel-1",
      items: [
        aLineItem("sub-1"),
        aLineItem("sub-2", { kind: "usage", channel: "ea", path: "azure-new-subscription", cancelAt: null }),
      ],
      violations: [{ rule: "MIG-3", message: "credit must be asked by the customer" }],
    });

    const receipt = await commit(store, await loadCustomerState(store, customerId), [
      put.customer(customer),
      ...subscriptions.map(put.subscription),
      put.relationship(relationship),
      appendHistory({ kind: "relationship", id: "rel-1" }, anEntry(null, "submitted")),
      appendHistory(
        { kind: "relationship", id: "rel-1" },
        anEntry("submitted", "pending", { rules: ["REL-1"] }),
      ),
      put.migration(migration),
      appendHistory({ kind: "migration", id: "mig-1" }, anEntry(null, "submitted")),
      appendHistory(
        { kind: "migration", id: "mig-1" },
        anEntry("submitted", "awaiting-relationship", { note: "waits" }),
      ),
    ]);
    // version row + 5 entities + a history row per stepped entity (holding its 2 steps) + one outbox
    // row holding their 4 events, in one transaction
    expect(receipt.operations).toBe(9);
    expect(receipt.outbox?.events.map((event) => [event.type, event.resource.id, event.sequence])).toEqual([
      ["relationship-requested", "rel-1", 1],
      ["relationship-invitation-sent", "rel-1", 2],
      ["migration-submitted", "mig-1", 1],
      ["migration-awaiting-relationship", "mig-1", 2],
    ]);

    const state = await loadCustomerState(store, customerId);
    expect(state.customer?.value).toEqual(customer);
    expect([...state.subscriptions.values()].map((s) => s.value)).toEqual(subscriptions);
    expect(state.relationships.get("rel-1")?.value).toEqual(relationship);
    expect(state.migrations.get("mig-1")?.value).toEqual(migration);
    expect(state.migrations.get("mig-1")?.revision).toBe(1);
    expect(state.version).toMatchObject({ tracked: true, value: 1 });

    // One partition, row keys prefixed by kind; history outside the state range.
    expect((await rowKeysOf(customerId)).sort()).toEqual([
      `evt|${receipt.outbox?.events[0]?.id ?? ""}`,
      "hist|mig|mig-1|0000000001|000",
      "hist|rel|rel-1|0000000001|000",
      "mig|mig-1",
      "profile",
      "rel|rel-1",
      "sub|sub-1",
      "sub|sub-2",
      "version",
    ]);

    const history = await readHistory(store, customerId, { kind: "migration", id: "mig-1" });
    expect(history).toEqual([
      { ...anEntry(null, "submitted"), entityKind: "migration", entityId: "mig-1" },
      {
        ...anEntry("submitted", "awaiting-relationship", { note: "waits" }),
        entityKind: "migration",
        entityId: "mig-1",
      },
    ]);
  });

  it("reads history rows of one change each (as written before a row held a commit's steps) beside grouped ones", async () => {
    const customerId = uniqueId("cust");
    const migration = aMigration(customerId, "mig-1", { status: "submitted" });
    await commit(store, await loadCustomerState(store, customerId), [
      put.migration(migration),
      appendHistory({ kind: "migration", id: "mig-1" }, anEntry(null, "submitted")),
    ]);
    // A legacy row of revision 0, encoded as commits wrote one: the entry's fields at the top level.
    const client = await store.table("customers");
    await client.createEntity(
      buildEntity(client.tableName, customerId, "hist|mig|mig-1|0000000000|000", {
        ...anEntry(null, "draft"),
        entityKind: "migration",
        entityId: "mig-1",
        lineItem: "sub-1",
      }),
    );
    const steps = (await readHistory(store, customerId, { kind: "migration", id: "mig-1" })).map((record) => [
      record.lineItem,
      record.from,
      record.to,
    ]);
    expect(steps).toEqual([
      ["sub-1", null, "draft"],
      [undefined, null, "submitted"],
    ]);
  });

  it("loads one kind only with a single query, and refuses to write kinds it did not load", async () => {
    const customerId = uniqueId("cust");
    await commit(store, await loadCustomerState(store, customerId), [
      put.customer(aCustomer(customerId)),
      put.subscription(aSubscription(customerId, "sub-1")),
      put.relationship(aRelationship(customerId, "rel-1")),
    ]);
    counter.reset();
    const partial = await loadCustomerState(store, customerId, { kinds: ["relationship"] });
    expect(counter.snapshot()).toMatchObject({ total: 1, byKind: { query: 1 } });
    expect([...partial.relationships.keys()]).toEqual(["rel-1"]);
    expect(partial.subscriptions.size).toBe(0);
    expect(partial.customer).toBeUndefined();
    expect(partial.version).toMatchObject({ tracked: true, value: 1 });

    await expect(
      commit(store, partial, [put.subscription(aSubscription(customerId, "sub-2"))]),
    ).rejects.toThrow(InvalidChangesError);
  });

  it("replaces an entity with its ETag, counts its revisions and keeps history in commit order on one clock reading", async () => {
    const customerId = uniqueId("cust");
    const relationship = aRelationship(customerId, "rel-1");
    await commit(store, await loadCustomerState(store, customerId), [
      put.relationship(relationship),
      appendHistory({ kind: "relationship", id: "rel-1" }, anEntry(null, "submitted")),
    ]);
    // Same `at` for every step: order must come from the commits, not the clock.
    for (const [from, to] of [
      ["submitted", "pending"],
      ["pending", "active"],
    ] as const) {
      const state = await loadCustomerState(store, customerId);
      await commit(store, state, [
        put.relationship({ ...relationship, status: to }),
        appendHistory({ kind: "relationship", id: "rel-1" }, anEntry(from, to)),
      ]);
    }
    const state = await loadCustomerState(store, customerId);
    expect(state.relationships.get("rel-1")).toMatchObject({ revision: 3, value: { status: "active" } });
    expect(state.version).toMatchObject({ value: 3 });
    const history = await readHistory(store, customerId, { kind: "relationship", id: "rel-1" });
    expect(history.map((entry) => `${String(entry.from)}→${entry.to}`)).toEqual([
      "null→submitted",
      "submitted→pending",
      "pending→active",
    ]);
    expect(history.every((entry) => entry.at === T0)).toBe(true);
  });

  it("writes nothing, and makes no round trip, when a decision changes nothing", async () => {
    const customerId = uniqueId("cust");
    await commit(store, await loadCustomerState(store, customerId), [put.customer(aCustomer(customerId))]);
    const state = await loadCustomerState(store, customerId);
    counter.reset();
    const receipt = await commit(store, state, [put.customer(aCustomer(customerId))]);
    expect(receipt.operations).toBe(0);
    expect(counter.total).toBe(0);
    expect(await commit(store, state, [])).toMatchObject({ operations: 0 });
  });

  it("reads single entities by point read and one kind by range", async () => {
    const customerId = uniqueId("cust");
    await commit(store, blankCustomerState(customerId), [
      put.customer(aCustomer(customerId)),
      put.migration(aMigration(customerId, "mig-a")),
      put.migration(aMigration(customerId, "mig-b")),
      put.relationship(aRelationship(customerId, "rel-a")),
      put.subscription(aSubscription(customerId, "sub-a")),
    ]);
    counter.reset();
    expect((await getEntity(store, "customer", customerId, customerId))?.value).toEqual(
      aCustomer(customerId),
    );
    expect((await getEntity(store, "subscription", customerId, "sub-a"))?.value).toEqual(
      aSubscription(customerId, "sub-a"),
    );
    expect(await getEntity(store, "migration", customerId, "mig-zzz")).toBeUndefined();
    expect(counter.snapshot().byKind["point-read"]).toBe(3);

    const migrations = await listEntities(store, "migration", customerId);
    expect(migrations.map((m) => m.value.id)).toEqual(["mig-a", "mig-b"]);
    expect((await listEntities(store, "relationship", customerId)).map((r) => r.value.id)).toEqual(["rel-a"]);
  });

  it("keeps a 12-item migration with long violation messages in one row, JSON cut under the 64 KiB property limit", async () => {
    const customerId = uniqueId("cust");
    const violations: Violation[] = [
      { rule: "MIG-5", message: `no equivalent plan: ${"x".repeat(3000)}` },
      { rule: "MC-3", message: "mid-term switch of a license subscription" },
    ];
    const items = Array.from({ length: MAX_MIGRATION_ITEMS }, (_, index) =>
      aLineItem(`sub-${index}`, { status: "rejected", cancelAt: null, path: null, violations }),
    );
    const migration = aMigration(customerId, "mig-big", { status: "rejected", items });
    await commit(store, blankCustomerState(customerId), [put.migration(migration)]);

    const raw = await (await store.table("customers")).getEntity(customerId, "mig|mig-big");
    const parts = Object.keys(raw).filter((name) => name.startsWith("items_json_"));
    expect(parts.length).toBeGreaterThan(1);
    expect(Object.values(raw).every((value) => typeof value !== "string" || value.length <= 32_768)).toBe(
      true,
    );

    expect((await getEntity(store, "migration", customerId, "mig-big"))?.value).toEqual(migration);
  });

  it("refuses an entity over 1 MiB before sending it", async () => {
    const customerId = uniqueId("cust");
    const violations = Array.from({ length: 8 }, () => ({
      rule: "MIG-5" as const,
      message: "y".repeat(2_000),
    }));
    const items = Array.from({ length: MAX_MIGRATION_ITEMS }, (_, index) =>
      aLineItem(`sub-${index}`, { violations: [...violations, ...violations, ...violations] }),
    );
    counter.reset();
    await expect(
      commit(store, blankCustomerState(customerId), [
        put.migration(aMigration(customerId, "mig-huge", { items })),
      ]),
    ).rejects.toThrow(EntityLimitError);
    expect(counter.snapshot().byKind.transaction).toBe(0);
  });

  it("names every invalid change at once and writes nothing", async () => {
    const customerId = uniqueId("cust");
    const state = await loadCustomerState(store, customerId);
    counter.reset();
    const attempt = commit(store, state, [
      put.subscription(aSubscription("someone-else", "sub-1")),
      put.relationship(aRelationship(customerId, "rel-1")),
      put.relationship(aRelationship(customerId, "rel-1")),
      put.migration({ ...aMigration(customerId, "mig-1"), status: "lost" as never }),
      appendHistory({ kind: "migration", id: "mig-2" }, anEntry(null, "submitted")),
    ]);
    const error = await attempt.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(InvalidChangesError);
    const { problems } = error as InvalidChangesError;
    expect(problems).toHaveLength(4);
    expect(problems.join("\n")).toMatch(/belongs to customer "someone-else"/);
    expect(problems.join("\n")).toMatch(/put twice/);
    expect(problems.join("\n")).toMatch(/status/);
    expect(problems.join("\n")).toMatch(/mig-2.*does not put/);
    expect(counter.total).toBe(0);
    expect(await rowKeysOf(customerId)).toEqual([]);
  });
});
