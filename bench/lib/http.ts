/** A partner portal's POST as the benchmarks send it: signed, with an Idempotency-Key, timed. */
import { signedHeaders } from "../../shared/http/signature.js";

export const BENCH_SECRET = "bench-webhook-secret-0001";

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
        ...signedHeaders(BENCH_SECRET, raw),
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
