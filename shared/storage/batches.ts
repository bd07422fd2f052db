/**
 * The `batches` table: one partition per bulk migration, `<batchId>`.
 * - row `batch`: who asked, when, how many items, customers and migrations, whether it was cancelled;
 * - rows `chunk|<nnnn>`: the validated plan, one queue message's worth of migrations each;
 * - rows `refused|<nnnn>`: the rows refused at intake (with `acceptValid`), 200 a row.
 * The whole plan is stored by ONE insert-only transaction, so a batch exists completely or not at
 * all, and a retry of the same request finds it there (409) instead of storing it twice.
 */
import { RestError, type TransactionAction } from "@azure/data-tables";
import { z } from "zod";

import {
  actorSchema,
  idSchema,
  isoTimeSchema,
  migrationItemRequestSchema,
  textSchema,
} from "../domain/model.js";
import { decodeEntity } from "./entityCodec.js";
import { submitEntityGroup } from "./entityGroup.js";
import { addressOf, buildEntity, quote, queryRaw, readDecoded, type Stored } from "./entityIo.js";
import { statusOf } from "./errors.js";
import { MAX_TRANSACTION_OPERATIONS } from "./limits.js";
import type { TableStore } from "./tableStore.js";

export const batchHeaderSchema = z.object({
  id: idSchema,
  partnerId: idSchema,
  externalReferenceId: textSchema(128),
  actor: actorSchema,
  createdAt: isoTimeSchema,
  items: z.number().int().min(0),
  refused: z.number().int().min(0),
  customers: z.number().int().min(0),
  migrations: z.number().int().min(0),
  chunks: z.number().int().min(0),
  cancelledAt: isoTimeSchema.optional(),
});
export type BatchHeader = z.infer<typeof batchHeaderSchema>;

export const plannedMigrationSchema = z.object({
  customerId: idSchema,
  part: z.number().int().min(0),
  rows: z.array(z.number().int().min(1)),
  items: z.array(migrationItemRequestSchema).min(1),
});

export const batchChunkSchema = z.object({
  index: z.number().int().min(0),
  /** When its queue message becomes visible: the pacing. */
  scheduledAt: isoTimeSchema,
  migrations: z.array(plannedMigrationSchema),
});
export type BatchChunk = z.infer<typeof batchChunkSchema>;

export const rowProblemSchema = z.object({
  row: z.number().int().min(1),
  field: z.string(),
  message: z.string(),
});
const refusedPageSchema = z.object({ index: z.number().int().min(0), problems: z.array(rowProblemSchema) });

export const REFUSED_PER_ROW = 200;
const HEADER_ROW = "batch";
const chunkRow = (index: number) => `chunk|${String(index).padStart(4, "0")}`;
const refusedRow = (index: number) => `refused|${String(index).padStart(4, "0")}`;

export interface StoredBatch {
  readonly header: Stored<BatchHeader>;
  readonly chunks: readonly BatchChunk[];
  readonly refused: readonly z.infer<typeof rowProblemSchema>[];
}

/**
 * Stores a batch whole, insert-only; true when this call stored it, false when it was there already
 * (an earlier attempt of the same request). 1 round trip.
 */
export async function insertBatch(
  store: TableStore,
  header: BatchHeader,
  chunks: readonly BatchChunk[],
  refused: readonly z.infer<typeof rowProblemSchema>[],
): Promise<boolean> {
  const client = await store.table("batches");
  const table = client.tableName;
  const pages: z.infer<typeof refusedPageSchema>[] = [];
  for (let start = 0; start < refused.length; start += REFUSED_PER_ROW) {
    pages.push({ index: pages.length, problems: refused.slice(start, start + REFUSED_PER_ROW) });
  }
  const actions: TransactionAction[] = [
    ["create", buildEntity(table, header.id, HEADER_ROW, header)],
    ...chunks.map((chunk): TransactionAction => [
      "create",
      buildEntity(table, header.id, chunkRow(chunk.index), chunk),
    ]),
    ...pages.map((page): TransactionAction => [
      "create",
      buildEntity(table, header.id, refusedRow(page.index), page),
    ]),
  ];
  if (actions.length > MAX_TRANSACTION_OPERATIONS) {
    throw new Error(
      `A batch of ${actions.length} rows does not fit one transaction; the plan must be smaller`,
    );
  }
  try {
    await submitEntityGroup(client, actions);
    return true;
  } catch (error) {
    if (error instanceof RestError && statusOf(error) === 409) return false;
    throw error;
  }
}

/** The batch header; 1 round trip. */
export async function readBatchHeader(
  store: TableStore,
  batchId: string,
): Promise<Stored<BatchHeader> | undefined> {
  return readDecoded(await store.table("batches"), batchHeaderSchema, batchId, HEADER_ROW);
}

/** The header and one chunk, in one query (1 round trip); undefined when the batch is not stored. */
export async function readBatchChunk(
  store: TableStore,
  batchId: string,
  index: number,
): Promise<{ header: BatchHeader; chunk: BatchChunk | undefined } | undefined> {
  const client = await store.table("batches");
  const rows = await queryRaw(
    client,
    `PartitionKey eq ${quote(batchId)} and (RowKey eq '${HEADER_ROW}' or RowKey eq ${quote(chunkRow(index))})`,
  );
  const headerRaw = rows.find((row) => row.rowKey === HEADER_ROW);
  if (headerRaw === undefined) return undefined;
  const chunkRaw = rows.find((row) => row.rowKey === chunkRow(index));
  return {
    header: decodeEntity(batchHeaderSchema, addressOf(client, headerRaw), headerRaw),
    chunk:
      chunkRaw === undefined
        ? undefined
        : decodeEntity(batchChunkSchema, addressOf(client, chunkRaw), chunkRaw),
  };
}

/** The whole batch: one partition query (a round trip per 1,000 rows; a batch has fewer than 100). */
export async function readBatch(store: TableStore, batchId: string): Promise<StoredBatch | undefined> {
  const client = await store.table("batches");
  const rows = await queryRaw(client, `PartitionKey eq ${quote(batchId)}`);
  const headerRaw = rows.find((row) => row.rowKey === HEADER_ROW);
  if (headerRaw === undefined) return undefined;
  const chunks: BatchChunk[] = [];
  const refused: z.infer<typeof rowProblemSchema>[] = [];
  for (const raw of rows) {
    if (raw.rowKey?.startsWith("chunk|") === true)
      chunks.push(decodeEntity(batchChunkSchema, addressOf(client, raw), raw));
    else if (raw.rowKey?.startsWith("refused|") === true)
      refused.push(...decodeEntity(refusedPageSchema, addressOf(client, raw), raw).problems);
  }
  return {
    header: {
      value: decodeEntity(batchHeaderSchema, addressOf(client, headerRaw), headerRaw),
      etag: headerRaw.etag,
    },
    chunks: chunks.sort((a, b) => a.index - b.index),
    refused,
  };
}

/**
 * Marks the batch cancelled (ETag-conditional, retried when a racing cancel wrote first); the first
 * cancellation's time stands. Returns the header as stored afterwards, undefined when not stored.
 */
export async function cancelBatch(
  store: TableStore,
  batchId: string,
  at: string,
): Promise<BatchHeader | undefined> {
  const client = await store.table("batches");
  for (;;) {
    const stored = await readDecoded(client, batchHeaderSchema, batchId, HEADER_ROW);
    if (stored === undefined) return undefined;
    if (stored.value.cancelledAt !== undefined) return stored.value;
    const next = { ...stored.value, cancelledAt: at };
    try {
      await client.updateEntity(buildEntity(client.tableName, batchId, HEADER_ROW, next), "Replace", {
        etag: stored.etag,
      });
      return next;
    } catch (error) {
      if (statusOf(error) !== 412) throw error;
    }
  }
}
