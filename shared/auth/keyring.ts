/**
 * Finds the signing key a request names: the operator's from the settings, a partner's from the
 * table (its secret derived from the master). Lookups are cached for KEY_CACHE_SECONDS, so a
 * revocation takes effect at once on the instance that made it and within that time on every other.
 */
import type { Config } from "../config.js";
import { getPartnerKey, type PartnerKeyRecord, type TableStore } from "../storage/index.js";
import { derivePartnerSecret } from "./partnerKeys.js";

export const KEY_CACHE_SECONDS = 60;
/** Unknown ids are remembered briefly, so a flood of made-up ids does not become a flood of reads. */
const UNKNOWN_CACHE_SECONDS = 5;

export type SigningKey =
  | { kind: "operator"; keyId: string; secret: string }
  | { kind: "partner"; keyId: string; partnerId: string; secret: string };

export class Keyring {
  private readonly cache = new Map<string, { key: SigningKey | undefined; until: number }>();

  constructor(
    private readonly config: Pick<Config, "OPERATOR_KEYS" | "PARTNER_KEY_MASTER">,
    private readonly store: TableStore,
    private readonly clock: () => number = Date.now,
  ) {}

  async find(keyId: string): Promise<SigningKey | undefined> {
    const operator = this.config.OPERATOR_KEYS.find((key) => key.id === keyId);
    if (operator !== undefined) return { kind: "operator", keyId, secret: operator.secret };
    const cached = this.cache.get(keyId);
    if (cached !== undefined && cached.until > this.clock()) return cached.key;
    const record = await getPartnerKey(this.store, keyId);
    const key = record === undefined ? undefined : this.signingKey(record);
    const seconds = key === undefined ? UNKNOWN_CACHE_SECONDS : KEY_CACHE_SECONDS;
    this.cache.set(keyId, { key, until: this.clock() + seconds * 1000 });
    return key;
  }

  /** Called by the instance that revokes a key, so it refuses the key from the next request on. */
  forget(keyId: string): void {
    this.cache.delete(keyId);
  }

  private signingKey(record: PartnerKeyRecord): SigningKey | undefined {
    if (record.revokedAt !== undefined) return undefined;
    const master = this.config.PARTNER_KEY_MASTER.find((key) => key.id === record.masterVersion);
    if (master === undefined) return undefined;
    return {
      kind: "partner",
      keyId: record.keyId,
      partnerId: record.partnerId,
      secret: derivePartnerSecret(master, record.partnerId, record.keyId),
    };
  }
}
