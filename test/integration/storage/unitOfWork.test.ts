import { describe, expect, it } from "vitest";

import {
  appendHistory,
  blankCustomerState,
  commit,
  ConcurrencyConflictError,
  loadCustomerState,
  put,
  RoundTripCounter,
  TransactionTooLargeError,
  withCustomerPartition,
  WriteConflictError,
  type CustomerState,
} from "../../../shared/storage/index.js";
import { testTableStore, uniqueId } from "../../setup/tables.js";
import { aCustomer, aMigration, anEntry, aRelationship, aSubscription } from "./fixtures.js";

const counter = new RoundTripCounter();
const store = testTableStore(import.meta.url, { counter });

/** Resolves once `parties` callers have arrived: makes two writers load before either commits. */
function barrier(parties: number): () => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => (release = resolve));
  return () => {
    arrived += 1;
    if (arrived === parties) release();
    return all;
  };
}

async function seedCustomer(): Promise<string> {
  const customerId = uniqueId("cust");
  await commit(store, await loadCustomerState(store, customerId), [
    put.customer(aCustomer(customerId, { name: "X" })),
  ]);
  return customerId;
}

describe("a customer transaction", () => {
  it("is atomic: when one operation fails, none is written", async () => {
    const customerId = uniqueId("cust");
    await commit(store, blankCustomerState(customerId), [
      put.relationship(aRelationship(customerId, "rel-b")),
    ]);

    const attempt = commit(store, blankCustomerState(customerId), [
      put.relationship(aRelationship(customerId, "rel-a")),
      put.subscription(aSubscription(customerId, "sub-a")),
      put.relationship(aRelationship(customerId, "rel-b")), // exists: this insert fails
    ]);
    await expect(attempt).rejects.toBeInstanceOf(WriteConflictError);
    await expect(attempt).rejects.toMatchObject({ status: 409 });

    const state = await loadCustomerState(store, customerId);
    expect([...state.relationships.keys()]).toEqual(["rel-b"]);
    expect(state.subscriptions.size).toBe(0);
  });

  it("fails whole on a stale ETag, even beside rows nobody else touched", async () => {
    const customerId = await seedCustomer();
    const stale = await loadCustomerState(store, customerId);
    await commit(store, await loadCustomerState(store, customerId), [
      put.customer(aCustomer(customerId, { name: "Y" })),
    ]);

    const attempt = commit(store, stale, [
      put.customer(aCustomer(customerId, { name: "Z" })),
      put.subscription(aSubscription(customerId, "sub-new")),
    ]);
    await expect(attempt).rejects.toMatchObject({ status: 412 });
    const state = await loadCustomerState(store, customerId);
    expect(state.customer?.value.name).toBe("Y");
    expect(state.subscriptions.size).toBe(0);
  });

  it("refuses more than 100 operations instead of splitting them", async () => {
    const customerId = uniqueId("cust");
    const subscriptions = Array.from({ length: 100 }, (_, index) =>
      put.subscription(aSubscription(customerId, `s-${index}`)),
    );
    counter.reset();
    // 100 subscriptions + the version row = 101 operations.
    await expect(commit(store, await loadCustomerState(store, customerId), subscriptions)).rejects.toThrow(
      TransactionTooLargeError,
    );
    expect(counter.snapshot().byKind.transaction).toBe(0);
    expect((await loadCustomerState(store, customerId)).subscriptions.size).toBe(0);
    // 99 fit.
    await commit(store, await loadCustomerState(store, customerId), subscriptions.slice(0, 99));
    expect((await loadCustomerState(store, customerId)).subscriptions.size).toBe(99);
  });
});

describe("withCustomerPartition", () => {
  it("costs one load and one transaction when no one races", async () => {
    const customerId = await seedCustomer();
    counter.reset();
    const outcome = await withCustomerPartition(store, customerId, (state) => ({
      changes: [put.customer({ ...state.customer!.value, name: "Renamed" })],
      result: state.customer!.value.name,
    }));
    expect(outcome).toMatchObject({ result: "X", attempts: 1, receipt: { operations: 2 } });
    expect(counter.snapshot()).toMatchObject({ total: 2, byKind: { query: 1, transaction: 1 } });
  });

  it("lets exactly one of two racing writers win first; the other reloads, decides again on the new state, and commits", async () => {
    const customerId = await seedCustomer();
    const bothLoaded = barrier(2);
    const seen: Record<string, string[]> = { A: [], B: [] };
    const writer = (label: "A" | "B") =>
      withCustomerPartition(
        store,
        customerId,
        async (state: CustomerState, attempt: number) => {
          const name = state.customer!.value.name;
          seen[label]!.push(name);
          if (attempt === 1) await bothLoaded();
          return {
            changes: [put.customer({ ...state.customer!.value, name: `${name}+${label}` })],
            result: name,
          };
        },
        { backoffMs: 1 },
      );
    const [a, b] = await Promise.all([writer("A"), writer("B")]);

    expect([a.attempts, b.attempts].sort()).toEqual([1, 2]);
    const [winner, loser] = a.attempts === 1 ? (["A", "B"] as const) : (["B", "A"] as const);
    // The loser's second decision saw the winner's write.
    expect(seen[winner]).toEqual(["X"]);
    expect(seen[loser]).toEqual(["X", `X+${winner}`]);
    const state = await loadCustomerState(store, customerId);
    expect(state.customer?.value.name).toBe(`X+${winner}+${loser}`);
  });

  it("serialises decisions on one customer even when they write different rows (no write skew)", async () => {
    const customerId = await seedCustomer();
    await commit(store, await loadCustomerState(store, customerId), [
      put.relationship(aRelationship(customerId, "rel-1", { status: "pending" })),
    ]);
    const bothLoaded = barrier(2);
    const accept = withCustomerPartition(store, customerId, async (state, attempt) => {
      if (attempt === 1) await bothLoaded();
      const relationship = state.relationships.get("rel-1")!.value;
      return {
        changes: [
          put.relationship({ ...relationship, status: "active" }),
          appendHistory({ kind: "relationship", id: "rel-1" }, anEntry("pending", "active")),
        ],
        result: undefined,
      };
    });
    const migrate = withCustomerPartition(store, customerId, async (state, attempt) => {
      if (attempt === 1) await bothLoaded();
      // The decision depends on another row: the relationship's status at decision time.
      const status =
        state.relationships.get("rel-1")!.value.status === "active"
          ? "provisioning"
          : "awaiting-relationship";
      return {
        changes: [put.migration(aMigration(customerId, "mig-1", { status, relationshipId: "rel-1" }))],
        result: status,
      };
    });
    const [accepted, migrated] = await Promise.all([accept, migrate]);
    expect(accepted.attempts + migrated.attempts).toBe(3);
    // Whatever the order, the stored migration agrees with the relationship it was decided on.
    const state = await loadCustomerState(store, customerId);
    expect(state.relationships.get("rel-1")?.value.status).toBe("active");
    expect(state.migrations.get("mig-1")?.value.status).toBe(
      migrated.attempts === 2 ? "provisioning" : "awaiting-relationship",
    );
  });

  it("gives up after the allowed attempts with an error that says so", async () => {
    const customerId = await seedCustomer();
    let decisions = 0;
    const attempt = withCustomerPartition(
      store,
      customerId,
      async (state) => {
        decisions += 1;
        // Someone else always commits between this load and this commit.
        await commit(store, state, [put.customer({ ...state.customer!.value, name: `other ${decisions}` })]);
        return { changes: [put.customer({ ...state.customer!.value, name: "mine" })], result: undefined };
      },
      { maxAttempts: 3, backoffMs: 1 },
    );
    await expect(attempt).rejects.toBeInstanceOf(ConcurrencyConflictError);
    await expect(attempt).rejects.toThrow(/gave up after 3 attempts/);
    expect(decisions).toBe(3);
    expect((await loadCustomerState(store, customerId)).customer?.value.name).toBe("other 3");
  });

  it("passes errors other than lost races straight through, without retrying", async () => {
    const customerId = await seedCustomer();
    let decisions = 0;
    await expect(
      withCustomerPartition(store, customerId, () => {
        decisions += 1;
        return { changes: [put.subscription(aSubscription("another-customer", "s"))], result: undefined };
      }),
    ).rejects.toThrow(/belongs to customer "another-customer"/);
    expect(decisions).toBe(1);
  });
});
