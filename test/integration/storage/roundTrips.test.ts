import { describe, expect, it } from "vitest";

import {
  blankCustomerState,
  commit,
  createTableStore,
  put,
  RoundTripCounter,
  tableRoundTrips,
} from "../../../shared/storage/index.js";
import { tablesConnection, tablesPrefixFor, testTableStore, uniqueId } from "../../setup/tables.js";
import { aSubscription } from "./fixtures.js";

describe("the round-trip counter", () => {
  it("counts every HTTP round trip, by kind", async () => {
    const counter = new RoundTripCounter();
    const store = testTableStore(import.meta.url, { counter });
    const client = await store.table("reference");
    expect(counter.snapshot().byKind["create-table"]).toBe(1);
    await store.table("reference");
    expect(counter.snapshot().byKind["create-table"]).toBe(1);

    counter.reset();
    expect(counter.snapshot().total).toBe(0);
    const partitionKey = uniqueId("p");
    const created = await client.createEntity({ partitionKey, rowKey: "a", v: 1 });
    await client.upsertEntity({ partitionKey, rowKey: "b", v: 1 }, "Replace");
    await client.updateEntity({ partitionKey, rowKey: "a", v: 2 }, "Replace", { etag: created.etag });
    await client.getEntity(partitionKey, "a");
    for await (const row of client.listEntities({
      queryOptions: { filter: `PartitionKey eq '${partitionKey}'` },
    })) {
      expect(row.partitionKey).toBe(partitionKey);
    }
    await client.submitTransaction([
      ["create", { partitionKey, rowKey: "c" }],
      ["create", { partitionKey, rowKey: "d" }],
    ]);
    await client.deleteEntity(partitionKey, "b");

    expect(counter.snapshot()).toEqual({
      total: 7,
      byKind: {
        "point-read": 1,
        query: 1,
        insert: 1,
        update: 1,
        upsert: 1,
        delete: 1,
        transaction: 1,
        "create-table": 0,
        other: 0,
      },
    });
  });

  it("counts a query per page, not per call", async () => {
    const counter = new RoundTripCounter();
    const store = testTableStore(import.meta.url, { counter });
    const customerId = uniqueId("cust");
    for (let start = 0; start < 1001; start += 99) {
      const count = Math.min(99, 1001 - start);
      await commit(
        store,
        blankCustomerState(customerId),
        Array.from({ length: count }, (_, index) =>
          put.subscription(aSubscription(customerId, `s-${start + index}`)),
        ),
      );
    }
    const client = await store.table("customers");
    counter.reset();
    let rows = 0;
    for await (const _ of client.listEntities({
      queryOptions: { filter: `PartitionKey eq '${customerId}'` },
    }))
      rows += 1;
    expect(rows).toBe(1001);
    expect(counter.snapshot().byKind.query).toBe(2);
  });

  it("uses the process-wide counter unless a store is given its own", async () => {
    const store = createTableStore({
      connection: { kind: "connection-string", connectionString: tablesConnection() },
      prefix: tablesPrefixFor(import.meta.url),
    });
    const own = new RoundTripCounter();
    const separate = testTableStore(import.meta.url, { counter: own });
    const before = tableRoundTrips().total;
    await (await store.table("reference")).getEntity("partner", "nobody").catch(() => undefined);
    expect(tableRoundTrips().total).toBeGreaterThan(before);
    expect(own.total).toBe(0);
    await (await separate.table("reference")).getEntity("partner", "nobody").catch(() => undefined);
    expect(own.snapshot().byKind["point-read"]).toBe(1);
  });
});
