/**
 * Bulk migrations through the HTTP function, against Azurite and the Service Bus emulator: every
 * bad row of a 5,000-row CSV named, the good ones taken with acceptValid, a chunk's customers
 * submitted through the ordinary intake (once, however often it is delivered), and cancellation.
 */
import { describe, expect, it } from "vitest";

import { getBulkMigration } from "../../../functions/getBulkMigration.js";
import { postBulkCancellation } from "../../../functions/postBulkCancellation.js";
import { postBulkMigration } from "../../../functions/postBulkMigration.js";
import { QUEUES, type BulkChunkMessage } from "../../../shared/messaging/messages.js";
import { processBulkChunk } from "../../../shared/pipeline/bulk.js";
import { runtime, setRuntimeForTests } from "../../../shared/pipeline/runtime.js";
import { listEntities } from "../../../shared/storage/index.js";
import { asPartner } from "../../setup/callers.js";
import { uniqueId } from "../../setup/tables.js";
import { registerPartner } from "../http/reference.js";
import { call, usePipelineHttp } from "../http/support.js";
import { bulkCsv, bulkJson, bulkRows, csvQuery, type BulkRow } from "./support.js";

const http = usePipelineHttp(import.meta.url);

type Progress = {
  status: string;
  counts: Record<string, number>;
  percent: number;
  items: number;
  problems: { row: number; status: string; reasons: { message: string }[] }[];
  continuationToken?: string;
};

/** Spoils 37 rows of 5,000 in five different ways; returns the spoilt row numbers (1-based). */
function spoil(rows: BulkRow[]): number[] {
  const spoilt: number[] = [];
  for (let n = 0; n < 37; n += 1) {
    const index = 7 + n * 131;
    const row = rows[index];
    if (row === undefined) throw new Error("too few rows");
    switch (n % 5) {
      case 0:
        row.cancelOriginal = "sometime";
        break;
      case 1:
        row.targetSeats = "many";
        break;
      case 2:
        row.subscriptionId = "";
        break;
      case 3:
        row.customerId = "not a tenant id!";
        break;
      case 4:
        // The same subscription as the row before it: MIG-1.
        row.subscriptionId = rows[index - 1]?.subscriptionId ?? "";
        row.customerId = rows[index - 1]?.customerId ?? "";
        break;
    }
    spoilt.push(index + 1);
  }
  return spoilt;
}

function rowsNamed(body: unknown): number[] {
  const errors = (body as { errors: { path: string }[] }).errors;
  return [...new Set(errors.map((error) => Number(/^\/rows\/(\d+)/.exec(error.path)?.[1])))].sort(
    (a, b) => a - b,
  );
}

async function progressOf(id: string, continuationToken?: string): Promise<Progress> {
  const answer = await call(getBulkMigration, "GET", `/api/bulk-migrations/${id}`, {
    params: { id },
    ...(continuationToken === undefined ? {} : { query: { continuationToken } }),
  });
  expect(answer.status, answer.text).toBe(200);
  return answer.body as Progress;
}

describe("POST /api/bulk-migrations", () => {
  it("refuses a 5,000-row CSV with 37 bad rows naming all 37, then takes the rest with acceptValid", async () => {
    const partnerId = uniqueId("partner");
    await registerPartner(partnerId);
    const rows = bulkRows(uniqueId("c"), 1_000, 5);
    const spoilt = spoil(rows);
    const csv = bulkCsv(rows);
    const as = await asPartner(http.store(), partnerId);
    const send = (query: Record<string, string>, key: string) =>
      call(postBulkMigration, "POST", "/api/bulk-migrations", {
        raw: csv,
        headers: { "content-type": "text/csv" },
        query,
        key,
        as,
      });

    const refused = await send(csvQuery(), "bulk-1");
    expect(refused.status, refused.text).toBe(400);
    expect(rowsNamed(refused.body)).toEqual(spoilt);
    expect(await listEntities(http.store(), "migration", rows[0]?.customerId ?? "")).toEqual([]);
    expect(await http.drain(QUEUES.bulk)).toEqual([]);

    const taken = await send({ ...csvQuery(), acceptValid: "true" }, "bulk-2");
    expect(taken.status, taken.text).toBe(202);
    const accepted = taken.body as {
      id: string;
      items: number;
      refusedRows: number;
      refused: { row: number }[];
    };
    expect(accepted).toMatchObject({ items: 4_963, refusedRows: 37, customers: 1_000 });
    expect([...new Set(accepted.refused.map((found) => found.row))]).toEqual(spoilt);
    expect(taken.headers.location).toBe(`/api/bulk-migrations/${accepted.id}`);
    // The same request again is the same batch (Idempotency-Key).
    expect((await send({ ...csvQuery(), acceptValid: "true" }, "bulk-2")).text).toBe(taken.text);
    // Paced (BULK_MIGRATIONS_PER_MINUTE, 120 by default): the first chunk at once, the other 39 scheduled.
    expect((await http.drain(QUEUES.bulk)).length).toBe(1);
    expect(http.emulator().stats().entities[QUEUES.bulk]?.scheduled).toBe(39);

    const progress = await progressOf(accepted.id);
    expect(progress).toMatchObject({ status: "running", items: 4_963, percent: 0 });
    expect(progress.counts).toMatchObject({ queued: 4_963, refused: 37 });
    expect(progress.problems.map((found) => found.row)).toEqual(spoilt);
    expect(progress.problems.every((found) => found.status === "refused")).toBe(true);
  });

  it("submits a chunk's customers once however often it is delivered, and cancellation stops the rest", async () => {
    // Unpaced, so every chunk is there at once.
    setRuntimeForTests({ config: { ...runtime().config, BULK_MIGRATIONS_PER_MINUTE: 0 } });
    const partnerId = uniqueId("partner");
    await registerPartner(partnerId);
    const rows = bulkRows(uniqueId("c"), 60, 2);
    const answer = await call(postBulkMigration, "POST", "/api/bulk-migrations", {
      body: bulkJson(partnerId, rows),
      key: "bulk-json",
    });
    expect(answer.status, answer.text).toBe(202);
    const { id } = answer.body as { id: string };
    const chunks = (await http.drain(QUEUES.bulk))
      .map((message) => message.body as BulkChunkMessage)
      .filter((chunk) => chunk.batchId === id);
    expect(chunks.map((chunk) => chunk.chunk).sort()).toEqual([0, 1, 2]);
    const first = chunks.find((chunk) => chunk.chunk === 0);
    if (first === undefined) throw new Error("no first chunk");

    expect(await processBulkChunk(runtime(), first)).toMatchObject({ submitted: 25, cancelled: 0 });
    expect(await processBulkChunk(runtime(), first)).toMatchObject({ submitted: 25, cancelled: 0 });
    const sent = await http.drain(QUEUES.migrations);
    expect(new Set(sent.map((message) => message.messageId)).size).toBe(25);
    for (const row of rows.slice(0, 50)) {
      expect(await listEntities(http.store(), "migration", row.customerId)).toHaveLength(1);
    }

    const as = await asPartner(http.store(), partnerId);
    const cancel = () =>
      call(postBulkCancellation, "POST", `/api/bulk-migrations/${id}/cancellation`, { params: { id }, as });
    const cancelled = await cancel();
    expect(cancelled.status, cancelled.text).toBe(200);
    // A second cancellation finds the first.
    expect((await cancel()).body).toEqual(cancelled.body);
    for (const chunk of chunks.filter((other) => other.chunk > 0)) {
      expect(await processBulkChunk(runtime(), chunk)).toMatchObject({ submitted: 0 });
    }
    expect(await http.drain(QUEUES.migrations)).toEqual([]);
    const progress = await progressOf(id);
    expect(progress.counts).toMatchObject({ submitted: 50, cancelled: 70, queued: 0 });
    expect(progress.status).toBe("running");
  });
});
