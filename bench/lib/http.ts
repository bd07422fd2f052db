/** A partner portal's POST as the benchmarks send it: signed with the partner's key, with an Idempotency-Key, timed. */
import { derivePartnerSecret, partnerKeyIdFor } from "../../shared/auth/partnerKeys.js";
import { signRequest } from "../../shared/auth/signing.js";
import { issuePartnerKey } from "../../shared/pipeline/issuePartnerKey.js";
import type { TableStore } from "../../shared/storage/index.js";
import { PARTNER_ID } from "./world.js";

const BENCH_MASTER = { id: "bench", secret: "bench-partner-key-master-of-32-characters" };
const BENCH_OPERATOR = { id: "bench-operator", secret: "bench-operator-secret-of-32-characters" };
const BENCH_KEY_ID = partnerKeyIdFor(BENCH_OPERATOR.id, PARTNER_ID, "bench");
/** The bench partner's key: its record is seeded, its secret derived as the service derives it. */
export const BENCH_PARTNER_KEY = {
  keyId: BENCH_KEY_ID,
  secret: derivePartnerSecret(BENCH_MASTER, PARTNER_ID, BENCH_KEY_ID),
};

/** The caller settings of a benchmark's app. */
export const BENCH_CALLER_SETTINGS = {
  OPERATOR_KEYS: `${BENCH_OPERATOR.id}:${BENCH_OPERATOR.secret}`,
  PARTNER_KEY_MASTER: `${BENCH_MASTER.id}:${BENCH_MASTER.secret}`,
  CUSTOMER_TOKEN_AUDIENCE: "api://csp-onboarding-bench",
};

/** Stores the bench partner's key record, as the operator's route would; its id is BENCH_KEY_ID. */
export async function seedBenchPartnerKey(store: TableStore): Promise<void> {
  await issuePartnerKey(store, [BENCH_MASTER], {
    issuerKeyId: BENCH_OPERATOR.id,
    partnerId: PARTNER_ID,
    idempotencyKey: "bench",
    now: new Date(),
  });
}

export interface Posted {
  readonly status: number;
  readonly ms: number;
  /** The problem's detail or the error, for anything but 202. */
  readonly error?: string;
  readonly location?: string;
}

export async function postSigned(url: string, body: unknown, idempotencyKey: string): Promise<Posted> {
  const raw = JSON.stringify(body);
  const start = performance.now();
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "idempotency-key": idempotencyKey,
        ...signRequest({
          ...BENCH_PARTNER_KEY,
          method: "POST",
          pathAndQuery: new URL(url).pathname,
          idempotencyKey,
          body: raw,
        }),
      },
      body: raw,
    });
    const text = await response.text();
    const ms = performance.now() - start;
    const location = response.headers.get("location") ?? undefined;
    if (response.status === 202) return { status: 202, ms, ...(location === undefined ? {} : { location }) };
    return { status: response.status, ms, error: text.slice(0, 300) };
  } catch (error) {
    return { status: 0, ms: performance.now() - start, error: String(error) };
  }
}

/** The body of POST /api/migrations moving one subscription at its term end. */
export function migrationBody(partnerId: string, customerId: string, subscriptionId: string): unknown {
  return {
    partnerId,
    customerId,
    actor: { userId: "bob@partner.example", role: "account-admin" },
    items: [{ subscriptionId, cancelOriginal: "at-term-end" }],
  };
}

/** Any other request of the bench partner's, signed the same way (e.g. PUT or DELETE a webhook subscription). */
export function fetchSigned(
  method: "GET" | "PUT" | "DELETE",
  url: string,
  body?: unknown,
): Promise<Response> {
  const raw = body === undefined ? "" : JSON.stringify(body);
  return fetch(url, {
    method,
    headers: {
      ...(raw === "" ? {} : { "content-type": "application/json" }),
      ...signRequest({ ...BENCH_PARTNER_KEY, method, pathAndQuery: new URL(url).pathname, body: raw }),
    },
    ...(raw === "" ? {} : { body: raw }),
  });
}
