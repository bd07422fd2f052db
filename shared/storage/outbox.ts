/**
 * The outbox's reads and clean-up: the events a customer partition holds until the relay has sent
 * them (one `evt|` row per commit, written in the same transaction as the change), and the `outbox|`
 * index entries that lead the relay timer to partitions the relay did not clear.
 */
import type { TableClient } from "@azure/data-tables";
import { z } from "zod";

import { eventEnvelopeSchema, type EventEnvelope } from "../events/catalogue.js";
import { idSchema } from "../domain/model.js";
import { decodeEntity } from "./entityCodec.js";
import { submitEntityGroup } from "./entityGroup.js";
import { addressOf, quote, queryRaw, rangeFilter, type RawEntity } from "./entityIo.js";
import { statusOf } from "./errors.js";
import type { IndexKey } from "./indexPlan.js";
import { removeIndexEntries } from "./indexes.js";
import { checkedId, OUTBOX_INDEX_PARTITIONS, OUTBOX_ROWS } from "./keys.js";
import { MAX_TRANSACTION_OPERATIONS } from "./limits.js";
import type { TableStore } from "./tableStore.js";

const outboxRowSchema = z.object({ events: z.array(eventEnvelopeSchema).min(1) });
const pointerSchema = z.object({ customerId: idSchema });

export interface OutboxRow {
  readonly rowKey: string;
  readonly events: readonly EventEnvelope[];
}

/** A customer's unsent events, one row per commit; 1 round trip per 1,000 rows. */
export async function readOutbox(store: TableStore, customerId: string): Promise<OutboxRow[]> {
  const client = await store.table("customers");
  const filter = `PartitionKey eq ${quote(checkedId("customer", customerId))} and ${rangeFilter("RowKey", OUTBOX_ROWS)}`;
  return (await queryRaw(client, filter)).map((raw) => decodeOutboxRow(client, raw));
}

export function isOutboxRow(rowKey: string): boolean {
  return rowKey >= OUTBOX_ROWS.ge && rowKey < OUTBOX_ROWS.lt;
}

export function decodeOutboxRow(client: TableClient, raw: RawEntity): OutboxRow {
  return {
    rowKey: raw.rowKey ?? "",
    events: decodeEntity(outboxRowSchema, addressOf(client, raw), raw).events,
  };
}

export interface OutboxPointer {
  readonly customerId: string;
  readonly key: IndexKey;
  /** When the commit wrote it (the service's Timestamp). */
  readonly writtenAt: string;
}

/** Every `outbox|` index entry: one range query over the sixteen partitions, 1 round trip per 1,000. */
export async function listOutboxPointers(store: TableStore): Promise<OutboxPointer[]> {
  const client = await store.table("indexes");
  return (await queryRaw(client, rangeFilter("PartitionKey", OUTBOX_INDEX_PARTITIONS))).map((raw) => ({
    customerId: decodeEntity(pointerSchema, addressOf(client, raw), raw).customerId,
    key: { partitionKey: raw.partitionKey ?? "", rowKey: raw.rowKey ?? "" },
    writtenAt: raw.timestamp ?? "",
  }));
}

/**
 * Removes sent outbox rows from a customer's partition and the pointers to them; rows already gone
 * are fine (the relay and the timer may both clear one commit). Round trips: 1 per 100 rows, plus
 * 1 per pointer partition, in parallel.
 */
export async function clearOutbox(
  store: TableStore,
  customerId: string,
  rowKeys: readonly string[],
  pointers: readonly IndexKey[],
): Promise<void> {
  const client = await store.table("customers");
  const chunks: string[][] = [];
  for (let start = 0; start < rowKeys.length; start += MAX_TRANSACTION_OPERATIONS) {
    chunks.push(rowKeys.slice(start, start + MAX_TRANSACTION_OPERATIONS));
  }
  await Promise.all([
    ...chunks.map((chunk) => deleteRows(client, customerId, chunk)),
    removeIndexEntries(store, pointers),
  ]);
}

async function deleteRows(client: TableClient, partitionKey: string, rowKeys: readonly string[]) {
  const [only] = rowKeys;
  if (rowKeys.length === 1 && only !== undefined) return deleteIfPresent(client, partitionKey, only);
  try {
    await submitEntityGroup(
      client,
      rowKeys.map((rowKey) => ["delete", { partitionKey, rowKey }]),
    );
  } catch (error) {
    // A transaction fails whole when one row is already gone: delete the rest one by one.
    if (statusOf(error) !== 404) throw error;
    await Promise.all(rowKeys.map((rowKey) => deleteIfPresent(client, partitionKey, rowKey)));
  }
}

async function deleteIfPresent(client: TableClient, partitionKey: string, rowKey: string): Promise<void> {
  try {
    await client.deleteEntity(partitionKey, rowKey);
  } catch (error) {
    if (statusOf(error) !== 404) throw error;
  }
}
