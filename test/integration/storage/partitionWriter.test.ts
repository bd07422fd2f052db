/**
 * Concurrent commits' writes to one index partition share its transactions: while one is on the
 * wire the others wait and go together, never the same row twice in one; a shared transaction that
 * fails is retried writer by writer, so only the bad write fails.
 */
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { describe, expect, it } from "vitest";

import { applyIndexChanges } from "../../../shared/storage/indexes.js";
import { RoundTripCounter } from "../../../shared/storage/index.js";
import { testTableStore, uniqueId } from "../../setup/tables.js";

const counter = new RoundTripCounter();
/** The service refuses every request that carries the row `refused`. */
const refusing: PipelinePolicy = {
  name: "refusesOneRow",
  sendRequest(request, next) {
    const text = `${decodeURIComponent(request.url)} ${typeof request.body === "string" ? request.body : ""}`;
    return text.includes("refused") ? Promise.reject(new Error("refused by the test")) : next(request);
  },
};
const store = testTableStore(import.meta.url, { counter, policies: [refusing] });

const entry = (partitionKey: string, rowKey: string, fields: Record<string, unknown> = { n: 1 }) => ({
  partitionKey,
  rowKey,
  fields,
});

describe("writes to one index partition", () => {
  it("go together while one is in flight, and each row at most once a transaction", async () => {
    const partition = `map|${uniqueId("partner")}`;
    await store.table("indexes");
    counter.reset();
    // Ten commits' map rows, two of them for one customer.
    await Promise.all(
      Array.from({ length: 10 }, (_, n) =>
        applyIndexChanges(store, [entry(partition, n === 9 ? "cust-1" : `cust-${n}`, { n })], []),
      ),
    );
    // The first alone; the next seven together; cust-1 again waits for a third.
    expect(counter.total).toBe(3);
    const client = await store.table("indexes");
    const rows = [];
    for await (const row of client.listEntities({
      queryOptions: { filter: `PartitionKey eq '${partition}'` },
    })) {
      rows.push(row);
    }
    expect(rows).toHaveLength(9);
    expect(rows.find((row) => row.rowKey === "cust-1")?.n).toBe(9);
  });

  it("fails only the write that cannot be made when they went together", async () => {
    const partition = `map|${uniqueId("partner")}`;
    const results = await Promise.allSettled([
      applyIndexChanges(store, [entry(partition, "first")], []),
      applyIndexChanges(store, [entry(partition, "good")], []),
      applyIndexChanges(store, [entry(partition, "refused")], []),
    ]);
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "fulfilled", "rejected"]);
    const client = await store.table("indexes");
    expect((await client.getEntity(partition, "good")).rowKey).toBe("good");
  });
});
