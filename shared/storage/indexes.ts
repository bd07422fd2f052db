/**
 * The `indexes` table: small entities that make every look-up not starting from a customer a point
 * read or a key-range scan.
 * - `rel|<id>` / `mig|<id>`, row `customer`: the customer of a relationship / migration.
 * - `map|<partnerId>`, rows `~due|<yyyy-mm-dd>|<customerId>|<migrationId>`: a migration of that
 *   partner the sweep must visit at `dueAt` (one entry per migration, at its earliest pending time;
 *   see indexPlan.ts), beside the partner's customer-map rows so one batch writes both.
 * - `map|<partnerId>`, rows `~inv|<yyyy-mm-dd>|<customerId>|<relationshipId>`: a pending invitation
 *   expiring at `dueAt`.
 * Entries a sweep has handled are removed, so the due rows hold only what is still due: reading
 * "everything due up to as-of" reads each partner's due rows from the first day left to as-of's
 * day, and its cost follows what is due (and the number of partners), not how many migrations
 * exist. A late entry (a past day written after a sweep ran) is still found, since nothing before
 * as-of is skipped.
 */
import type { TableClient, TransactionAction } from "@azure/data-tables";
import { z } from "zod";

import { idSchema, isoTimeSchema } from "../domain/model.js";
import type { CustomerState } from "./customerState.js";
import { submitEntityGroup } from "./entityGroup.js";
import { decodeEntity } from "./entityCodec.js";
import { addressOf, buildEntity, quote, queryRaw, rangeFilter, readRaw } from "./entityIo.js";
import { statusOf } from "./errors.js";
import { invitationDueAt, migrationDueAt, type IndexEntry, type IndexKey } from "./indexPlan.js";
import {
  byIdKeys,
  dueRowRange,
  mapPartition,
  normalizeTime,
  utcDay,
  type ByIdKind,
  type DueKind,
} from "./keys.js";
import { listPartnerIds } from "./reference.js";
import { MAX_TRANSACTION_OPERATIONS } from "./limits.js";
import { writePartition, type RowAction } from "./partitionWriter.js";
import type { TableStore } from "./tableStore.js";

/** How old a dangling or stale entry must be before a reader removes it: a commit may be in flight. */
export const INDEX_GRACE_MS = 5 * 60_000;

const byIdSchema = z.object({ customerId: idSchema });
const dueSchema = z.object({ customerId: idSchema, entityId: idSchema, dueAt: isoTimeSchema });

/** The customer of a relationship or migration; 1 round trip. The entity itself may not exist (yet). */
export async function findCustomerOf(
  store: TableStore,
  kind: ByIdKind,
  id: string,
): Promise<IndexHit | undefined> {
  const client = await store.table("indexes");
  const { partitionKey, rowKey } = byIdKeys(kind, id);
  const raw = await readRaw(client, partitionKey, rowKey);
  if (raw === undefined) return undefined;
  const { customerId } = decodeEntity(byIdSchema, addressOf(client, raw), raw);
  return { customerId, key: { partitionKey, rowKey }, writtenAt: raw.timestamp ?? "" };
}

export interface IndexHit {
  readonly customerId: string;
  readonly key: IndexKey;
  /** When the entry was last written (the service's Timestamp). */
  readonly writtenAt: string;
}

export interface DueEntry {
  readonly kind: DueKind;
  readonly customerId: string;
  /** The migration (term-end) or relationship (invitation). */
  readonly entityId: string;
  readonly dueAt: string;
  readonly key: IndexKey;
  readonly writtenAt: string;
}

/** Partners whose due rows are read at once. */
const DUE_READS_IN_FLIGHT = 16;

/**
 * Every entry due at or before `asOf` (entries later on as-of's own day stay for the next run), of
 * every partner in the reference table: 1 round trip for the partners (per 1,000), then one
 * key-range query per partner (a round trip per 1,000 entries), 16 partners at a time.
 */
export async function listDue(store: TableStore, kind: DueKind, asOf: string): Promise<DueEntry[]> {
  const partners = await listPartnerIds(store);
  const found: DueEntry[][] = [];
  for (let start = 0; start < partners.length; start += DUE_READS_IN_FLIGHT) {
    const slice = partners.slice(start, start + DUE_READS_IN_FLIGHT);
    found.push(
      ...(await Promise.all(slice.map((partnerId) => listPartnerDue(store, kind, partnerId, asOf)))),
    );
  }
  return found.flat();
}

/** One partner's entries due at or before `asOf`: one key-range query in its map partition. */
export async function listPartnerDue(
  store: TableStore,
  kind: DueKind,
  partnerId: string,
  asOf: string,
): Promise<DueEntry[]> {
  const client = await store.table("indexes");
  const filter = `PartitionKey eq ${quote(mapPartition(partnerId))} and ${rangeFilter("RowKey", dueRowRange(kind, asOf))} and dueAt le ${quote(normalizeTime(asOf))}`;
  return (await queryRaw(client, filter)).map((raw) => {
    const fields = decodeEntity(dueSchema, addressOf(client, raw), raw);
    return {
      kind,
      ...fields,
      key: { partitionKey: raw.partitionKey ?? "", rowKey: raw.rowKey ?? "" },
      writtenAt: raw.timestamp ?? "",
    };
  });
}

/**
 * The entries, among those read for one customer, that its state no longer backs (entity missing,
 * or due on another day) and that are older than the grace period: safe to remove. An entry on the
 * day its entity is due now is never stale: it has the live entry's key, which a racing commit may
 * just have rewritten.
 */
export function staleDueEntries(
  state: CustomerState,
  entries: readonly DueEntry[],
  now: Date,
  graceMs: number = INDEX_GRACE_MS,
): DueEntry[] {
  return entries.filter((entry) => {
    if (entry.customerId !== state.customerId) return false;
    const current =
      entry.kind === "term-end"
        ? migrationDueAt(state.migrations.get(entry.entityId)?.value)
        : invitationDueAt(state.relationships.get(entry.entityId)?.value);
    if (current !== undefined && utcDay(current) === utcDay(entry.dueAt)) return false;
    return isOlderThan(entry.writtenAt, now, graceMs);
  });
}

export function isOlderThan(writtenAt: string, now: Date, graceMs: number): boolean {
  const written = Date.parse(writtenAt);
  return !Number.isNaN(written) && now.getTime() - written > graceMs;
}

/** Upserts entries: one transaction per partition (per 100 entries), in parallel. */
export function writeIndexEntries(store: TableStore, entries: readonly IndexEntry[]): Promise<void> {
  return applyIndexChanges(store, entries, []);
}

/** Deletes entries (missing ones are fine): one transaction per partition, in parallel. */
export async function removeIndexEntries(store: TableStore, keys: readonly IndexKey[]): Promise<void> {
  await applyIndexChanges(store, [], keys);
}

/**
 * Upserts some entries and deletes others (missing ones are fine): ONE transaction per partition
 * (per 100 operations), in parallel, so a customer's map row and its due entries cost one round
 * trip — shared with other commits' writes to the same partition while one is in flight
 * (partitionWriter.ts).
 */
export async function applyIndexChanges(
  store: TableStore,
  upserts: readonly IndexEntry[],
  removals: readonly IndexKey[],
): Promise<void> {
  if (upserts.length === 0 && removals.length === 0) return;
  const client = await store.table("indexes");
  const actions: (IndexKey & { readonly action: TransactionAction })[] = [
    ...upserts.map((entry) => ({
      partitionKey: entry.partitionKey,
      rowKey: entry.rowKey,
      action: [
        "upsert",
        buildEntity(client.tableName, entry.partitionKey, entry.rowKey, entry.fields),
        "Replace",
      ] as TransactionAction,
    })),
    ...removals.map((key) => ({ ...key, action: ["delete", key] as TransactionAction })),
  ];
  await Promise.all(
    groupByPartition(actions).map((group) =>
      writePartition(client, group[0]?.partitionKey ?? "", group, (batch) => submitOrSplit(client, batch)),
    ),
  );
}

/**
 * One partition's upserts and deletes as one transaction. It fails whole when a row to delete is
 * already gone: the upserts then go again on their own and the deletes one by one.
 */
async function submitOrSplit(client: TableClient, actions: readonly RowAction[]): Promise<void> {
  try {
    await submit(
      client,
      actions.map((item) => item.action),
    );
  } catch (error) {
    if (statusOf(error) !== 404) throw error;
    const writes = actions.filter((item) => item.action[0] !== "delete").map((item) => item.action);
    const deletes = actions.flatMap((item) => (item.action[0] === "delete" ? [item.action[1]] : []));
    await Promise.all([
      ...(writes.length === 0 ? [] : [submit(client, writes)]),
      ...deletes.map((key) =>
        deleteIfPresent(client, { partitionKey: key.partitionKey, rowKey: key.rowKey }),
      ),
    ]);
  }
}

async function deleteIfPresent(client: TableClient, key: IndexKey): Promise<void> {
  try {
    await client.deleteEntity(key.partitionKey, key.rowKey);
  } catch (error) {
    if (statusOf(error) !== 404) throw error;
  }
}

/** A single operation goes as itself (cheaper on the wire), more as one transaction. */
async function submit(client: TableClient, actions: readonly TransactionAction[]): Promise<void> {
  const [only] = actions;
  if (actions.length === 1 && only !== undefined) {
    const [action, entity] = only;
    if (action === "delete") await client.deleteEntity(entity.partitionKey, entity.rowKey);
    else await client.upsertEntity(entity, "Replace");
    return;
  }
  await submitEntityGroup(client, [...actions]);
}

function groupByPartition<T extends IndexKey>(items: readonly T[]): T[][] {
  const byPartition = new Map<string, T[]>();
  for (const item of items) {
    const group = byPartition.get(item.partitionKey) ?? [];
    group.push(item);
    byPartition.set(item.partitionKey, group);
  }
  const groups: T[][] = [];
  for (const group of byPartition.values()) {
    for (let start = 0; start < group.length; start += MAX_TRANSACTION_OPERATIONS) {
      groups.push(group.slice(start, start + MAX_TRANSACTION_OPERATIONS));
    }
  }
  return groups;
}
