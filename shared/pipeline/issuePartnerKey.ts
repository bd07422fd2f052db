/**
 * Issuing a partner key: one record per (issuer, partner, Idempotency-Key), so a retry finds the key it
 * made; the secret is derived from the current master, never stored. The operator's route, the tests and
 * the benchmarks all issue keys this way.
 */
import { derivePartnerSecret, partnerKeyIdFor, type MasterKey } from "../auth/partnerKeys.js";
import { insertPartnerKey, type PartnerKeyRecord, type TableStore } from "../storage/index.js";

export interface IssuedPartnerKey {
  record: PartnerKeyRecord;
  /** Undefined when the key this Idempotency-Key made was revoked since, or its master is gone. */
  secret: string | undefined;
}

export async function issuePartnerKey(
  store: TableStore,
  masters: readonly MasterKey[],
  request: { issuerKeyId: string; partnerId: string; idempotencyKey: string; now: Date },
): Promise<IssuedPartnerKey> {
  const [current] = masters;
  if (current === undefined) throw new Error("PARTNER_KEY_MASTER holds no key");
  const record = await insertPartnerKey(store, {
    keyId: partnerKeyIdFor(request.issuerKeyId, request.partnerId, request.idempotencyKey),
    partnerId: request.partnerId,
    masterVersion: current.id,
    createdAt: request.now.toISOString(),
    createdBy: request.issuerKeyId,
  });
  const master = masters.find((candidate) => candidate.id === record.masterVersion);
  const secret =
    record.revokedAt === undefined && master !== undefined
      ? derivePartnerSecret(master, record.partnerId, record.keyId)
      : undefined;
  return { record, secret };
}
