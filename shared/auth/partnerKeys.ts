/**
 * Partner keys' secrets are never stored: each is derived, when needed, from a master key held in
 * Key Vault (setting PARTNER_KEY_MASTER) with HKDF-SHA256 over the partner and key ids. A stolen
 * table therefore signs nothing, and the master's version is kept per key so the master can rotate.
 */
import { createHash, hkdfSync } from "node:crypto";

const SALT = "csp-onboarding/partner-key/v1";

export interface MasterKey {
  id: string;
  secret: string;
}

/** The key's secret: 32 bytes of HKDF output, base64url (43 characters). */
export function derivePartnerSecret(master: MasterKey, partnerId: string, keyId: string): string {
  return Buffer.from(hkdfSync("sha256", master.secret, SALT, `${partnerId}\n${keyId}`, 32)).toString(
    "base64url",
  );
}

/**
 * A key id for one issuing request: the same operator key, partner and Idempotency-Key always give
 * the same id, so a retried issue returns the key it made instead of making a second one.
 */
export function partnerKeyIdFor(issuerKeyId: string, partnerId: string, idempotencyKey: string): string {
  const digest = createHash("sha256").update(`${issuerKeyId}\n${partnerId}\n${idempotencyKey}`).digest("hex");
  return `pk_${digest.slice(0, 26)}`;
}
