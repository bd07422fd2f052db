import { TableClient } from "@azure/data-tables";
import { describe, expect, it } from "vitest";

import {
  claim,
  CorruptEntityError,
  getEntity,
  getPartner,
  listDue,
  loadCustomerState,
  withCustomerPartition,
} from "../../../shared/storage/index.js";
import { tablesConnection, testTableStore, uniqueId } from "../../setup/tables.js";

const store = testTableStore(import.meta.url);

/** A client of our own, bypassing the storage layer, to write rows it would never write. */
async function rawClient(table: "customers" | "reference" | "indexes" | "idempotency"): Promise<TableClient> {
  await store.table(table); // make sure the table exists
  return TableClient.fromConnectionString(tablesConnection(), store.physicalName(table), {
    allowInsecureConnection: true,
  });
}

async function corruptError(promise: Promise<unknown>): Promise<CorruptEntityError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(CorruptEntityError);
  return error as CorruptEntityError;
}

describe("reading back a corrupt entity", () => {
  it("names the table, partition, row and schema problems instead of passing it on", async () => {
    const customerId = uniqueId("cust");
    const client = await rawClient("customers");
    await client.createEntity({
      partitionKey: customerId,
      rowKey: "rel|rel-1",
      id: "rel-1",
      partnerId: "partner-1",
      customerId,
      status: "maybe",
      delegatedAdmin: "yes",
      requestedBy_json: JSON.stringify({ userId: "u", role: "global-admin" }),
      createdAt: "2025-01-10T09:00:00.000Z",
      updatedAt: "2025-01-10T09:00:00.000Z",
      violations_json: "[]",
      _rev: 1,
    });

    const error = await corruptError(loadCustomerState(store, customerId));
    expect(error.address).toEqual({
      table: store.physicalName("customers"),
      partitionKey: customerId,
      rowKey: "rel|rel-1",
    });
    expect(error.message).toContain(store.physicalName("customers"));
    expect(error.message).toContain(customerId);
    expect(error.message).toContain("rel|rel-1");
    expect(error.problems.join("\n")).toMatch(/status/);
    expect(error.problems.join("\n")).toMatch(/delegatedAdmin/);

    // The unit of work stops before deciding anything.
    let decided = false;
    await corruptError(
      withCustomerPartition(store, customerId, () => {
        decided = true;
        return { changes: [], result: undefined };
      }),
    );
    expect(decided).toBe(false);
  });

  it("reports JSON that does not parse, and a row stored under another customer's partition", async () => {
    const customerId = uniqueId("cust");
    const client = await rawClient("customers");
    await client.createEntity({
      partitionKey: customerId,
      rowKey: "profile",
      id: "someone-else",
      name: "Contoso",
      region: "EU",
      cloud: "public",
      isCspPartner: false,
      _rev: 1,
    });
    await client.createEntity({
      partitionKey: customerId,
      rowKey: "mig|mig-1",
      id: "mig-1",
      violations_json: "[{not json",
      _rev: 1,
    });

    const profile = await corruptError(getEntity(store, "customer", customerId, customerId));
    expect(profile.problems.join("\n")).toMatch(/belongs to customer "someone-else"/);
    const migration = await corruptError(getEntity(store, "migration", customerId, "mig-1"));
    expect(migration.problems.join("\n")).toMatch(/violations: invalid JSON/);
  });

  it("reports a revision that is missing", async () => {
    const customerId = uniqueId("cust");
    const client = await rawClient("customers");
    await client.createEntity({
      partitionKey: customerId,
      rowKey: "profile",
      id: customerId,
      name: "Contoso",
      region: "EU",
      cloud: "public",
      isCspPartner: false,
    });
    const error = await corruptError(loadCustomerState(store, customerId));
    expect(error.problems).toEqual(["_rev: expected a non-negative integer"]);
  });

  it("guards reference data, index entries and idempotency records the same way", async () => {
    const partnerId = uniqueId("partner");
    await (
      await rawClient("reference")
    ).createEntity({ partitionKey: "partner", rowKey: partnerId, id: partnerId, region: "EU" });
    const partner = await corruptError(getPartner(store, partnerId));
    expect(partner.address).toMatchObject({ table: store.physicalName("reference"), rowKey: partnerId });
    expect(partner.problems.join("\n")).toMatch(/name/);

    const customerId = uniqueId("cust");
    await (
      await rawClient("indexes")
    ).createEntity({
      partitionKey: `map|${partnerId}`,
      rowKey: `~due|1999-01-01|${customerId}|mig-1`,
      customerId,
      entityId: "mig-1",
      dueAt: "1999-01-01", // a day, not a time
    });
    const due = await corruptError(listDue(store, "term-end", "1999-01-02T00:00:00.000Z"));
    expect(due.address).toMatchObject({
      table: store.physicalName("indexes"),
      partitionKey: `map|${partnerId}`,
    });

    const scope = { partnerId: uniqueId("partner"), key: "k-1" };
    const { createHash } = await import("node:crypto");
    await (
      await rawClient("idempotency")
    ).createEntity({
      partitionKey: scope.partnerId,
      rowKey: createHash("sha256").update("k-1").digest("hex"),
      requestHash: "not-a-hash",
    });
    await corruptError(claim(store, scope, "0".repeat(64)));
  });
});
