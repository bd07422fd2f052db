/**
 * Reads for the GET routes: one entity by its customer and id (a point read), one kind of a customer
 * (a row-key range scan), an entity by id alone (its index entry, then a point read), its history.
 */
import type { Migration, Relationship } from "../domain/model.js";
import { storedHistorySchema, type HistoryRecord } from "./changes.js";
import { decodeStateRow, type EntityOfKind, type StoredEntity } from "./customerState.js";
import { addressOf, quote, queryRaw, rangeFilter, readRaw } from "./entityIo.js";
import { decodeEntity } from "./entityCodec.js";
import { findCustomerOf, INDEX_GRACE_MS, isOlderThan, removeIndexEntries } from "./indexes.js";
import {
  checkedId,
  customerNamedBy,
  historyPrefix,
  prefixRange,
  stateKindRange,
  stateRowKey,
  type ByIdKind,
  type HistoryEntityKind,
  type StateKind,
} from "./keys.js";
import type { TableStore } from "./tableStore.js";

/** One entity of a customer; 1 round trip. For the profile, pass the customer id as `id`. */
export async function getEntity<K extends StateKind>(
  store: TableStore,
  kind: K,
  customerId: string,
  id: string,
): Promise<StoredEntity<EntityOfKind[K]> | undefined> {
  checkedId("customer", customerId);
  const client = await store.table("customers");
  const raw = await readRaw(client, customerId, stateRowKey(kind, id));
  return raw === undefined ? undefined : decodeStateRow(client, raw, kind, customerId);
}

/** Every entity of one kind of a customer, by row key; 1 round trip per 1,000. */
export async function listEntities<K extends Exclude<StateKind, "customer">>(
  store: TableStore,
  kind: K,
  customerId: string,
): Promise<StoredEntity<EntityOfKind[K]>[]> {
  checkedId("customer", customerId);
  const client = await store.table("customers");
  const rows = await queryRaw(
    client,
    `PartitionKey eq ${quote(customerId)} and ${rangeFilter("RowKey", stateKindRange(kind))}`,
  );
  return rows.map((raw) => decodeStateRow(client, raw, kind, customerId));
}

export interface Found<T> {
  readonly customerId: string;
  readonly stored: StoredEntity<T>;
}

/** A relationship by id alone; 1 round trip for an id that names its customer, else 2 (index, then the entity). */
export function findRelationship(
  store: TableStore,
  id: string,
  now?: Date,
): Promise<Found<Relationship> | undefined> {
  return findById(store, "relationship", id, now);
}

/** A migration by id alone; 1 round trip for an id that names its customer, else 2 (index, then the entity). */
export function findMigration(
  store: TableStore,
  id: string,
  now?: Date,
): Promise<Found<Migration> | undefined> {
  return findById(store, "migration", id, now);
}

/**
 * An id that names its customer (keys.ts locatingId) is looked for there first: 1 round trip. Any
 * other id, or one not found where it points, goes through its by-id index entry. An index entry
 * whose entity does not exist is ignored (the commit after it failed, or has not landed yet) and
 * removed once older than the grace period.
 */
async function findById<K extends ByIdKind>(
  store: TableStore,
  kind: K,
  id: string,
  now: Date = new Date(),
): Promise<Found<EntityOfKind[K]> | undefined> {
  const named = customerNamedBy(id);
  if (named !== undefined) {
    const stored = await getEntity(store, kind, named, id);
    if (stored !== undefined) return { customerId: named, stored };
  }
  const hit = await findCustomerOf(store, kind, id);
  if (hit === undefined) return undefined;
  const stored = await getEntity(store, kind, hit.customerId, id);
  if (stored !== undefined) return { customerId: hit.customerId, stored };
  if (isOlderThan(hit.writtenAt, now, INDEX_GRACE_MS)) await removeIndexEntries(store, [hit.key]);
  return undefined;
}

/** An entity's history, oldest first; 1 round trip per 1,000 rows (a row per commit that changed it). */
export async function readHistory(
  store: TableStore,
  customerId: string,
  entity: { readonly kind: HistoryEntityKind; readonly id: string },
): Promise<HistoryRecord[]> {
  checkedId("customer", customerId);
  const client = await store.table("customers");
  const rows = await queryRaw(
    client,
    `PartitionKey eq ${quote(customerId)} and ${rangeFilter("RowKey", prefixRange(historyPrefix(entity.kind, entity.id)))}`,
  );
  return rows.flatMap((raw) => decodeEntity(storedHistorySchema, addressOf(client, raw), raw));
}
