/**
 * A webhook subscription's signing secret is never stored: like the partner keys' (shared/auth/
 * partnerKeys.ts), it is derived with HKDF-SHA256 from the master key (PARTNER_KEY_MASTER) over the
 * partner, the subscription's name and a random nonce kept with the subscription, which a new PUT
 * replaces (so a PUT rotates the secret). A stolen table therefore signs nothing.
 */
import { hkdfSync, randomBytes } from "node:crypto";

import type { MasterKey } from "../auth/partnerKeys.js";

const SALT = "csp-onboarding/webhook-secret/v1";

export function deriveWebhookSecret(
  master: MasterKey,
  partnerId: string,
  name: string,
  nonce: string,
): string {
  const bytes = hkdfSync("sha256", master.secret, SALT, `${partnerId}\n${name}\n${nonce}`, 32);
  return `whsec_${Buffer.from(bytes).toString("base64url")}`;
}

export function newSecretNonce(): string {
  return randomBytes(16).toString("hex");
}
