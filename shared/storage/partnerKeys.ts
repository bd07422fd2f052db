/**
 * Partner signing keys in the `reference` table (PartitionKey `partner-key`, RowKey = key id). A row
 * holds who the key is for and when it was issued or revoked — never a secret: secrets are derived
 * from the master key (shared/auth/partnerKeys.ts). Revoked rows stay, so the list shows the history.
 */
import { z } from "zod";

import { idSchema, isoTimeSchema } from "../domain/model.js";
import { buildEntity, decodeStored, queryRaw, quote, readDecoded } from "./entityIo.js";
import { statusOf } from "./errors.js";
import { referenceKeys } from "./keys.js";
import type { TableStore } from "./tableStore.js";

export const partnerKeyRecordSchema = z
  .strictObject({
    keyId: z.string().regex(/^pk_[a-z0-9]{26}$/),
    partnerId: idSchema,
    /** Which master key version the secret is derived from. */
    masterVersion: z.string().min(1).max(64),
    createdAt: isoTimeSchema,
    /** The operator key that issued it. */
    createdBy: z.string().min(1).max(64),
    revokedAt: isoTimeSchema.optional(),
  })
  .meta({ id: "PartnerKeyRecord" });
export type PartnerKeyRecord = z.infer<typeof partnerKeyRecordSchema>;

/** Inserts the record unless one with its id exists; returns what is stored (the existing one wins). */
export async function insertPartnerKey(
  store: TableStore,
  record: PartnerKeyRecord,
): Promise<PartnerKeyRecord> {
  const client = await store.table("reference");
  const { partitionKey, rowKey } = referenceKeys("partner-key", record.keyId);
  try {
    await client.createEntity(buildEntity(client.tableName, partitionKey, rowKey, record));
    return record;
  } catch (error) {
    if (statusOf(error) !== 409) throw error;
  }
  const existing = await getPartnerKey(store, record.keyId);
  if (existing === undefined) throw new Error(`partner key ${record.keyId} vanished after a conflict`);
  return existing;
}

/** Round trips: 1. */
export async function getPartnerKey(store: TableStore, keyId: string): Promise<PartnerKeyRecord | undefined> {
  if (!partnerKeyRecordSchema.shape.keyId.safeParse(keyId).success) return undefined;
  const { partitionKey, rowKey } = referenceKeys("partner-key", keyId);
  return (await readDecoded(await store.table("reference"), partnerKeyRecordSchema, partitionKey, rowKey))
    ?.value;
}

/** A partner's keys, oldest first. */
export async function listPartnerKeys(store: TableStore, partnerId: string): Promise<PartnerKeyRecord[]> {
  const client = await store.table("reference");
  const rows = await queryRaw(
    client,
    `PartitionKey eq ${quote(referenceKeys("partner-key", "pk").partitionKey)} and partnerId eq ${quote(partnerId)}`,
  );
  return rows
    .map((row) => decodeStored(client, partnerKeyRecordSchema, row).value)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.keyId.localeCompare(b.keyId));
}

/** Marks the key revoked (the first revocation's time is kept); the record, or undefined if none. */
export async function revokePartnerKey(
  store: TableStore,
  keyId: string,
  at: string,
): Promise<PartnerKeyRecord | undefined> {
  const client = await store.table("reference");
  const { partitionKey, rowKey } = referenceKeys("partner-key", keyId);
  const stored = await readDecoded(client, partnerKeyRecordSchema, partitionKey, rowKey);
  if (stored === undefined) return undefined;
  if (stored.value.revokedAt !== undefined) return stored.value;
  const revoked = { ...stored.value, revokedAt: at };
  try {
    await client.updateEntity(buildEntity(client.tableName, partitionKey, rowKey, revoked), "Replace", {
      etag: stored.etag,
    });
  } catch (error) {
    // Revoked by someone else meanwhile: theirs stands.
    if (statusOf(error) === 412) return revokePartnerKey(store, keyId, at);
    throw error;
  }
  return revoked;
}
