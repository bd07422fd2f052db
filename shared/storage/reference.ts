/**
 * Reference data in the `reference` table: partners and offers, PartitionKey = kind, RowKey = id.
 * Written by the synchronous PUT routes (last writer wins, as PUT means), read by the processors.
 */
import type { TableClient } from "@azure/data-tables";
import type { z } from "zod";

import { offerSchema, partnerSchema, type Offer, type Partner } from "../domain/model.js";
import { buildEntity, decodeStored, quote, queryRaw, readDecoded } from "./entityIo.js";
import { statusOf } from "./errors.js";
import { referenceKeys, type ReferenceKind } from "./keys.js";
import type { TableStore } from "./tableStore.js";

/** Whether a PUT created the record (201) or replaced it (200). */
export type PutOutcome = "created" | "replaced";

/** Round trips: 1 when new, 2 when replacing (the insert's 409 tells which). */
export function putPartner(store: TableStore, partner: Partner): Promise<PutOutcome> {
  return putReference(store, "partner", partnerSchema, partner);
}

/** Round trips: 1. */
export function getPartner(store: TableStore, partnerId: string): Promise<Partner | undefined> {
  return getReference(store, "partner", partnerSchema, partnerId);
}

export function putOffer(store: TableStore, offer: Offer): Promise<PutOutcome> {
  return putReference(store, "offer", offerSchema, offer);
}

/** Round trips: 1. */
export function getOffer(store: TableStore, offerId: string): Promise<Offer | undefined> {
  return getReference(store, "offer", offerSchema, offerId);
}

/** Table Storage allows 15 comparisons per filter: one for the partition, 14 row keys. */
const ROW_KEYS_PER_QUERY = 14;

/**
 * Several offers at once, by id; missing ids are absent from the map. One single-partition query per
 * 14 ids (so usually one round trip), run in parallel.
 */
export async function getOffers(
  store: TableStore,
  offerIds: Iterable<string>,
): Promise<ReadonlyMap<string, Offer>> {
  const ids = [...new Set(offerIds)].map((id) => referenceKeys("offer", id).rowKey);
  const client = await store.table("reference");
  const chunks: string[][] = [];
  for (let start = 0; start < ids.length; start += ROW_KEYS_PER_QUERY) {
    chunks.push(ids.slice(start, start + ROW_KEYS_PER_QUERY));
  }
  const pages = await Promise.all(
    chunks.map((chunk) =>
      queryRaw(
        client,
        `PartitionKey eq ${quote("offer")} and (${chunk.map((id) => `RowKey eq ${quote(id)}`).join(" or ")})`,
      ),
    ),
  );
  const offers = new Map<string, Offer>();
  for (const raw of pages.flat()) {
    const offer = decodeStored(client, offerSchema, raw).value;
    offers.set(offer.id, offer);
  }
  return offers;
}

async function getReference<S extends z.ZodType>(
  store: TableStore,
  kind: ReferenceKind,
  schema: S,
  id: string,
): Promise<z.output<S> | undefined> {
  const { partitionKey, rowKey } = referenceKeys(kind, id);
  return (await readDecoded(await store.table("reference"), schema, partitionKey, rowKey))?.value;
}

async function putReference<S extends z.ZodType<{ id: string }>>(
  store: TableStore,
  kind: ReferenceKind,
  schema: S,
  value: z.input<S>,
): Promise<PutOutcome> {
  const record = schema.parse(value);
  const client: TableClient = await store.table("reference");
  const { partitionKey, rowKey } = referenceKeys(kind, record.id);
  const entity = buildEntity(client.tableName, partitionKey, rowKey, record);
  try {
    await client.createEntity(entity);
    return "created";
  } catch (error) {
    if (statusOf(error) !== 409) throw error;
  }
  await client.upsertEntity(entity, "Replace");
  return "replaced";
}

/** Every registered partner's id: one single-partition query of row keys (a round trip per 1,000). */
export async function listPartnerIds(store: TableStore): Promise<string[]> {
  const client = await store.table("reference");
  const ids: string[] = [];
  const rows = client.listEntities({
    queryOptions: { filter: `PartitionKey eq ${quote("partner")}`, select: ["RowKey"] },
  });
  for await (const row of rows) if (row.rowKey !== undefined) ids.push(row.rowKey);
  return ids;
}
