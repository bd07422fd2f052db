/**
 * The hand-written entity-group transaction against real Azurite: every kind of operation lands as
 * the SDK's own would, keys that need escaping address the right rows, and a failing operation
 * raises the RestError (status and code) the storage layer's conflict handling reads.
 */
import { TableClient, type RestError } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startAzurite, type RunningAzurite } from "../../../local/azurite.js";
import { submitEntityGroup } from "../../../shared/storage/entityGroup.js";

let azurite: RunningAzurite;
let client: TableClient;
let table = 0;

beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite.close();
});

async function freshTable(): Promise<TableClient> {
  table += 1;
  client = TableClient.fromConnectionString(azurite.connectionString, `group${table}`, {
    allowInsecureConnection: true,
  });
  await client.createTable();
  return client;
}

async function rows(partitionKey: string): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  for await (const entity of client.listEntities({
    queryOptions: { filter: `PartitionKey eq '${partitionKey.replaceAll("'", "''")}'` },
  })) {
    const { etag: _etag, timestamp: _timestamp, ...rest } = entity;
    found.push(rest);
  }
  return found;
}

async function failure(promise: Promise<unknown>): Promise<RestError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).name).toBe("RestError");
  return error as RestError;
}

describe("submitEntityGroup", () => {
  it("creates, replaces, merges, upserts and deletes in one transaction", async () => {
    await freshTable();
    await client.createEntity({ partitionKey: "p", rowKey: "replace-me", a: "old", b: 1 });
    await client.createEntity({ partitionKey: "p", rowKey: "merge-me", a: "old", b: 1 });
    await client.createEntity({ partitionKey: "p", rowKey: "delete-me", a: "x" });
    const replaced = await client.getEntity("p", "replace-me");

    await submitEntityGroup(client, [
      ["create", { partitionKey: "p", rowKey: "new", text: "hello", flag: true, count: 7 }],
      ["update", { partitionKey: "p", rowKey: "replace-me", a: "new" }, "Replace", { etag: replaced.etag }],
      ["update", { partitionKey: "p", rowKey: "merge-me", c: "added" }, "Merge"],
      ["upsert", { partitionKey: "p", rowKey: "upserted", a: "u" }, "Replace"],
      ["delete", { partitionKey: "p", rowKey: "delete-me" }],
    ]);

    expect(await rows("p")).toEqual([
      { partitionKey: "p", rowKey: "merge-me", a: "old", b: 1, c: "added" },
      { partitionKey: "p", rowKey: "new", text: "hello", flag: true, count: 7 },
      { partitionKey: "p", rowKey: "replace-me", a: "new" },
      { partitionKey: "p", rowKey: "upserted", a: "u" },
    ]);
  });

  it("addresses keys holding quotes, pipes, spaces and non-ASCII text", async () => {
    await freshTable();
    const partitionKey = "cust|o'brien & co";
    const rowKey = "mig|ü 1'2";
    await submitEntityGroup(client, [["create", { partitionKey, rowKey, v: "1" }]]);
    await submitEntityGroup(client, [["update", { partitionKey, rowKey, v: "2" }, "Replace", { etag: "*" }]]);
    expect(await rows(partitionKey)).toEqual([{ partitionKey, rowKey, v: "2" }]);
    await submitEntityGroup(client, [["delete", { partitionKey, rowKey }]]);
    expect(await rows(partitionKey)).toEqual([]);
  });

  it("raises 409 EntityAlreadyExists and writes nothing when one create collides", async () => {
    await freshTable();
    await client.createEntity({ partitionKey: "p", rowKey: "taken" });
    const error = await failure(
      submitEntityGroup(client, [
        ["create", { partitionKey: "p", rowKey: "fresh" }],
        ["create", { partitionKey: "p", rowKey: "taken" }],
      ]),
    );
    expect(error.statusCode).toBe(409);
    expect(error.code).toBe("EntityAlreadyExists");
    expect(await rows("p")).toEqual([{ partitionKey: "p", rowKey: "taken" }]);
  });

  it("raises 412 on a stale ETag and 404 on deleting a missing row", async () => {
    await freshTable();
    await client.createEntity({ partitionKey: "p", rowKey: "r", v: "1" });
    const first = await client.getEntity("p", "r");
    await client.updateEntity({ partitionKey: "p", rowKey: "r", v: "2" }, "Replace");

    const stale = await failure(
      submitEntityGroup(client, [
        ["update", { partitionKey: "p", rowKey: "r", v: "3" }, "Replace", { etag: first.etag }],
      ]),
    );
    expect(stale.statusCode).toBe(412);
    const missing = await failure(
      submitEntityGroup(client, [["delete", { partitionKey: "p", rowKey: "nothing" }]]),
    );
    expect(missing.statusCode).toBe(404);
    expect(await rows("p")).toEqual([{ partitionKey: "p", rowKey: "r", v: "2" }]);
  });
});
