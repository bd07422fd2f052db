/**
 * The three kinds of caller, as tests prove them: the operator's key (from OPERATOR_KEYS), a partner's
 * key (a real key record in the file's tables, its secret derived as the service derives it) and a
 * customer's token from the run's development identity provider (started by the global setup).
 */
import { inject } from "vitest";

import { mintCustomerToken, type CustomerTokenOptions } from "../../local/identity/index.js";
import { issuePartnerKey } from "../../shared/pipeline/issuePartnerKey.js";
import type { TableStore } from "../../shared/storage/index.js";

export interface KeyCredentials {
  keyId: string;
  secret: string;
}

/** How a test request proves its caller: a signing key, a bearer token, or nothing at all. */
export type As = { key: KeyCredentials } | { token: string } | "nobody";

export const OPERATOR: KeyCredentials = {
  keyId: "test-operator",
  secret: "a-test-operator-secret-of-32-characters-or-more",
};
const MASTER = { id: "v1", secret: "a-test-partner-key-master-of-32-characters-or-more" };
export const TEST_AUDIENCE = "api://csp-onboarding-tests";

/** The settings every test that runs the app needs for its callers. */
export function callerSettings(): Record<string, string> {
  return {
    OPERATOR_KEYS: `${OPERATOR.keyId}:${OPERATOR.secret}`,
    PARTNER_KEY_MASTER: `${MASTER.id}:${MASTER.secret}`,
    CUSTOMER_TOKEN_AUDIENCE: TEST_AUDIENCE,
    TRUSTED_TOKEN_ISSUERS: inject("identityIssuer"),
  };
}

export const asOperator: As = { key: OPERATOR };

const issued = new Map<string, Promise<KeyCredentials>>();

/** A partner key stored in `store` (once per partner and label), issued as the operator's route issues it. */
export function partnerKey(store: TableStore, partnerId: string, label = "default"): Promise<KeyCredentials> {
  const cacheKey = `${store.prefix}\n${partnerId}\n${label}`;
  let key = issued.get(cacheKey);
  if (key === undefined) {
    key = (async () => {
      const { record, secret } = await issuePartnerKey(store, [MASTER], {
        issuerKeyId: OPERATOR.keyId,
        partnerId,
        idempotencyKey: `test-${label}`,
        now: new Date(),
      });
      if (secret === undefined) throw new Error(`the test key of ${partnerId} is revoked`);
      return { keyId: record.keyId, secret };
    })();
    issued.set(cacheKey, key);
  }
  return key;
}

export async function asPartner(store: TableStore, partnerId: string): Promise<As> {
  return { key: await partnerKey(store, partnerId) };
}

/** A token of the customer tenant from the run's identity provider; Global Administrator unless told. */
export function customerToken(
  customerId: string,
  options: Omit<CustomerTokenOptions, "customerId" | "stateDir" | "issuerBase"> = {},
): Promise<string> {
  return mintCustomerToken({
    customerId,
    audience: TEST_AUDIENCE,
    role: "global-admin",
    ...options,
    stateDir: inject("identityStateDir"),
    issuerBase: inject("identityBase"),
  });
}

export async function asCustomer(
  customerId: string,
  options: Omit<CustomerTokenOptions, "customerId" | "stateDir" | "issuerBase"> = {},
): Promise<As> {
  return { token: await customerToken(customerId, options) };
}
