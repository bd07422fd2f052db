/**
 * Taking an asynchronous request exactly once (README "Calling it"): claim the Idempotency-Key,
 * store the request, send its message, answer 202. The request id is derived from the partner, the
 * key and the request itself, so every retry of one request — after a crash, a lost answer or a
 * released claim — stores and sends the same id, and Service Bus's duplicate detection and the
 * insert-only store drop the repeats.
 */
import { createHash } from "node:crypto";

import type { HttpResponseInit } from "@azure/functions";

import { problem } from "../http/problem.js";
import { fromStored } from "../http/respond.js";
import { claim, complete, hashRequest, locatingId, release, type StoredResponse } from "../storage/index.js";
import type { Runtime } from "./runtime.js";

export interface IntakeRequest {
  /** Whom the key belongs to: the calling partner (or the answering customer). */
  scope: string;
  key: string;
  method: string;
  /** The request's path, e.g. /api/migrations: part of what makes two requests the same. */
  path: string;
  raw: Buffer;
  /** The id's prefix, e.g. "mig". */
  idPrefix: string;
}

export interface IntakeSteps {
  /** The answer to give, for the id this request gets. */
  answer: (requestId: string) => StoredResponse;
  /** Stores the request under that id; must be idempotent (a second call with the same id is a no-op). */
  store?: (requestId: string) => Promise<void>;
  send: (requestId: string) => Promise<void>;
  /**
   * For a request found claimed but unconfirmed: whether it was stored (then it counts as taken, and
   * if it never left, it is sent again). Without it, completion is recorded by a second write.
   */
  confirm?: (requestId: string) => Promise<boolean>;
}

/**
 * The id a request gets: the same for every retry of it, so it can be known before it is taken. A
 * relationship or migration id also names its customer (storage keys.ts locatingId), so it is found
 * by id alone with one point read.
 */
export function plannedRequestId(
  request: Omit<IntakeRequest, "raw"> & { raw: Buffer; customerId?: string },
): string {
  return requestIdFor(
    request,
    hashRequest({ method: request.method, route: request.path, body: request.raw }),
  );
}

export function requestIdFor(
  request: Pick<IntakeRequest, "scope" | "key" | "idPrefix"> & { customerId?: string },
  hash: string,
): string {
  const digest = createHash("sha256")
    .update(`${request.scope}\n${request.key}\n${hash}`)
    .digest("hex")
    .slice(0, 32);
  const { idPrefix, customerId } = request;
  const located =
    customerId !== undefined && (idPrefix === "rel" || idPrefix === "mig")
      ? locatingId(idPrefix, digest, customerId)
      : undefined;
  return located ?? `${idPrefix}-${digest}`;
}

export async function acceptOnce(
  rt: Runtime,
  request: IntakeRequest,
  steps: IntakeSteps,
): Promise<HttpResponseInit> {
  const hash = hashRequest({ method: request.method, route: request.path, body: request.raw });
  const requestId = requestIdFor(request, hash);
  const scope = { partnerId: request.scope, key: request.key };
  const claimed = await claim(rt.store, scope, hash, {
    planned: { requestId, response: steps.answer(requestId) },
    ...(steps.confirm === undefined ? {} : { confirm: steps.confirm }),
    now: rt.now(),
  });
  switch (claimed.kind) {
    case "replay":
      return fromStored(claimed.response);
    case "mismatch":
    case "in-flight":
      return keyRefused(claimed.kind, request.key);
    case "new":
      break;
  }
  const planned = claimed.planned ?? { requestId, response: steps.answer(requestId) };
  try {
    await steps.store?.(planned.requestId);
    await steps.send(planned.requestId);
  } catch (error) {
    // Nothing or an idempotent part was written: free the key so the caller's retry is taken again at once.
    await release(rt.store, scope).catch(() => undefined);
    throw error;
  }
  if (steps.confirm === undefined) {
    await complete(rt.store, scope, hash, planned.response, { requestId: planned.requestId, now: rt.now() });
  }
  return fromStored(planned.response);
}

/** The answer to a key used with another request (422) or still being taken (409). */
export function keyRefused(kind: "mismatch" | "in-flight", key: string): HttpResponseInit {
  return kind === "mismatch"
    ? problem("idempotency-mismatch", `Idempotency-Key '${key}' was already used with another request`)
    : problem("conflict", `A request with Idempotency-Key '${key}' is still being taken`, {
        headers: { "retry-after": "1" },
      });
}
