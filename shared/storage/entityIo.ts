/**
 * Small, shared building blocks over one TableClient: point reads (a 404 is "absent") and queries that
 * decode through a schema, and the checked entity every write sends.
 */
import type { TableClient, TableEntityResult } from "@azure/data-tables";
import type { z } from "zod";

import { decodeEntity, encodeFields } from "./entityCodec.js";
import { statusOf, type EntityAddress } from "./errors.js";
import type { KeyRange } from "./keys.js";
import { checkEntityLimits } from "./limits.js";

export type RawEntity = TableEntityResult<Record<string, unknown>>;

/** A decoded entity with what optimistic concurrency needs. */
export interface Stored<T> {
  readonly value: T;
  readonly etag: string;
}

export function addressOf(
  client: TableClient,
  entity: { partitionKey?: string; rowKey?: string },
): EntityAddress {
  return { table: client.tableName, partitionKey: entity.partitionKey ?? "", rowKey: entity.rowKey ?? "" };
}

/** A point read; undefined when the row does not exist. */
export async function readRaw(
  client: TableClient,
  partitionKey: string,
  rowKey: string,
): Promise<RawEntity | undefined> {
  try {
    return await client.getEntity(partitionKey, rowKey);
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

/** A point read decoded through `schema`; undefined when the row does not exist. */
export async function readDecoded<S extends z.ZodType>(
  client: TableClient,
  schema: S,
  partitionKey: string,
  rowKey: string,
): Promise<Stored<z.output<S>> | undefined> {
  const raw = await readRaw(client, partitionKey, rowKey);
  return raw === undefined ? undefined : decodeStored(client, schema, raw);
}

export function decodeStored<S extends z.ZodType>(
  client: TableClient,
  schema: S,
  raw: RawEntity,
): Stored<z.output<S>> {
  return { value: decodeEntity(schema, addressOf(client, raw), raw), etag: raw.etag };
}

/** All entities matching an OData filter, following continuation tokens (one round trip per page). */
export async function queryRaw(client: TableClient, filter: string): Promise<RawEntity[]> {
  const rows: RawEntity[] = [];
  for await (const entity of client.listEntities({ queryOptions: { filter } })) {
    rows.push(entity);
  }
  return rows;
}

/** `RowKey` (or `PartitionKey`) within a range, as an OData condition. */
export function rangeFilter(property: "PartitionKey" | "RowKey", range: KeyRange): string {
  const upper = "lt" in range ? `${property} lt ${quote(range.lt)}` : `${property} le ${quote(range.le)}`;
  return `${property} ge ${quote(range.ge)} and ${upper}`;
}

/** An OData string literal. */
export function quote(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export type WritableEntity = { partitionKey: string; rowKey: string } & Record<
  string,
  string | number | boolean
>;

/**
 * The entity to write for a domain value: its fields encoded, plus the storage layer's metadata
 * (`_`-prefixed), checked against Table Storage's limits.
 */
export function buildEntity(
  table: string,
  partitionKey: string,
  rowKey: string,
  value: Readonly<Record<string, unknown>>,
  metadata: Readonly<Record<`_${string}`, string | number | boolean>> = {},
): WritableEntity {
  const properties = { ...encodeFields(value), ...metadata };
  checkEntityLimits({ table, partitionKey, rowKey }, properties);
  return { ...properties, partitionKey, rowKey };
}
