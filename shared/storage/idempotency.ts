/**
 * Idempotency keys in the `idempotency` table: PartitionKey = the calling partner (keys are scoped to
 * it), RowKey = SHA-256 of the key. A record holds the request's hash, when it expires (at least 24 h
 * after the claim; an expired record counts as absent), and the response to replay.
 *
 * One round trip on the happy path: the claim is an insert (racing claims of one key: exactly one
 * insert succeeds, the others get 409) that may carry the planned response and the id of the record
 * the request creates. Completion is then proven by that record's existence (the caller's `confirm`),
 * so no second write is needed.
 */
import { createHash } from "node:crypto";

import { z } from "zod";

import { idSchema, isoTimeSchema } from "../domain/model.js";
import { decodeStored, buildEntity, readRaw } from "./entityIo.js";
import { statusOf } from "./errors.js";
import { idempotencyKeys } from "./keys.js";
import type { TableStore } from "./tableStore.js";

export const storedResponseSchema = z.object({
  status: z.number().int().min(100).max(599),
  /** Only the headers a replay must repeat (e.g. Location, Content-Type). */
  headers: z.record(z.string(), z.string()),
  body: z.string(),
});
export type StoredResponse = z.infer<typeof storedResponseSchema>;

export const idempotencyRecordSchema = z.object({
  key: z.string().min(1).max(200),
  requestHash: z.string().regex(/^[0-9a-f]{64}$/),
  state: z.enum(["in-flight", "completed"]),
  claimedAt: isoTimeSchema,
  expiresAt: isoTimeSchema,
  requestId: idSchema.optional(),
  response: storedResponseSchema.optional(),
});
export type IdempotencyRecord = z.infer<typeof idempotencyRecordSchema>;

export interface IdempotencyScope {
  readonly partnerId: string;
  readonly key: string;
}

export interface PlannedResponse {
  /** The id of what the request creates (e.g. the migration id); `confirm` looks for it. */
  readonly requestId: string;
  readonly response: StoredResponse;
}

export interface ClaimOptions {
  /** The answer the request will give if it succeeds, stored with the claim. */
  readonly planned?: PlannedResponse;
  /** For a planned claim found again: whether the request's record exists, i.e. it succeeded. */
  readonly confirm?: (requestId: string) => Promise<boolean>;
  readonly now?: Date;
  /** How long the record is kept; at least 24 h (the default). */
  readonly ttlMs?: number;
  /** After this long, an unconfirmed claim is taken to be abandoned and may be taken over; default 5 min. */
  readonly leaseMs?: number;
}

export type ClaimResult =
  /** Go ahead. `planned` is the plan in effect: after taking over an abandoned claim, the earlier one (reuse its id). */
  | { readonly kind: "new"; readonly planned: PlannedResponse | undefined }
  | { readonly kind: "replay"; readonly response: StoredResponse }
  /** Same key, different request: 422. */
  | { readonly kind: "mismatch" }
  /** Same key, same request, still being taken: 409. */
  | { readonly kind: "in-flight" };

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60_000;
/**
 * After this long, a claim whose request never confirmed counts as abandoned and may be taken over.
 * Intake answers in well under a second; a caller retrying after a 503 whose release also failed
 * (storage down) should not meet 409 for long.
 */
export const IDEMPOTENCY_LEASE_MS = 30_000;
const MAX_CLAIM_ROUNDS = 5;

/** SHA-256 over method, route and raw body: what "the same request" means. */
export function hashRequest(request: { method: string; route: string; body: string | Uint8Array }): string {
  return createHash("sha256")
    .update(`${request.method.toUpperCase()}\n${request.route}\n`, "utf8")
    .update(request.body)
    .digest("hex");
}

/**
 * Claims a key for a request. Round trips: 1 when the key is new; 2 (+ `confirm`'s) when it exists;
 * 3 when an expired or abandoned record is taken over.
 */
export async function claim(
  store: TableStore,
  scope: IdempotencyScope,
  requestHash: string,
  options: ClaimOptions = {},
): Promise<ClaimResult> {
  const now = options.now ?? new Date();
  const client = await store.table("idempotency");
  const { partitionKey, rowKey } = idempotencyKeys(scope.partnerId, scope.key);
  const fresh = newIdempotencyRecord(scope.key, requestHash, now, options.ttlMs, options.planned);
  const entity = (record: IdempotencyRecord) => buildEntity(client.tableName, partitionKey, rowKey, record);

  for (let round = 0; round < MAX_CLAIM_ROUNDS; round += 1) {
    try {
      await client.createEntity(entity(fresh));
      return { kind: "new", planned: options.planned };
    } catch (error) {
      if (statusOf(error) !== 409) throw error;
    }
    const raw = await readRaw(client, partitionKey, rowKey);
    if (raw === undefined) continue; // released or expired-and-deleted meanwhile: insert again
    const { value: existing, etag } = decodeStored(client, idempotencyRecordSchema, raw);

    let replacement: IdempotencyRecord | undefined;
    if (Date.parse(existing.expiresAt) <= now.getTime()) {
      replacement = fresh;
    } else if (existing.requestHash !== requestHash) {
      return { kind: "mismatch" };
    } else if (existing.state === "completed" && existing.response !== undefined) {
      return { kind: "replay", response: existing.response };
    } else if (
      existing.requestId !== undefined &&
      existing.response !== undefined &&
      options.confirm !== undefined &&
      (await options.confirm(existing.requestId))
    ) {
      return { kind: "replay", response: existing.response };
    } else if (Date.parse(existing.claimedAt) + (options.leaseMs ?? IDEMPOTENCY_LEASE_MS) <= now.getTime()) {
      // Abandoned: keep the earlier plan, so if that attempt lands after all, both share one id.
      replacement = existing.requestId === undefined ? fresh : { ...existing, claimedAt: now.toISOString() };
    } else {
      return { kind: "in-flight" };
    }
    try {
      await client.updateEntity(entity(replacement), "Replace", { etag });
      const planned =
        replacement.requestId !== undefined && replacement.response !== undefined
          ? { requestId: replacement.requestId, response: replacement.response }
          : undefined;
      return { kind: "new", planned };
    } catch (error) {
      const status = statusOf(error);
      if (status !== 412 && status !== 404) throw error; // someone else took it over first: look again
    }
  }
  return { kind: "in-flight" };
}

/** Stores the final response (for requests that did not plan one, or answered otherwise); 1 round trip. */
export async function complete(
  store: TableStore,
  scope: IdempotencyScope,
  requestHash: string,
  response: StoredResponse,
  options: { readonly requestId?: string; readonly now?: Date; readonly ttlMs?: number } = {},
): Promise<void> {
  const client = await store.table("idempotency");
  const { partitionKey, rowKey } = idempotencyKeys(scope.partnerId, scope.key);
  const record: IdempotencyRecord = {
    ...newIdempotencyRecord(scope.key, requestHash, options.now ?? new Date(), options.ttlMs, undefined),
    state: "completed",
    requestId: options.requestId,
    response: storedResponseSchema.parse(response),
  };
  await client.upsertEntity(buildEntity(client.tableName, partitionKey, rowKey, record), "Replace");
}

/** Forgets a claim whose request wrote nothing (e.g. it failed validation), so the key can be used again; 1 round trip. */
export async function release(store: TableStore, scope: IdempotencyScope): Promise<void> {
  const client = await store.table("idempotency");
  const { partitionKey, rowKey } = idempotencyKeys(scope.partnerId, scope.key);
  try {
    await client.deleteEntity(partitionKey, rowKey);
  } catch (error) {
    if (statusOf(error) !== 404) throw error;
  }
}

/** A new in-flight record, kept at least 24 h. */
export function newIdempotencyRecord(
  key: string,
  requestHash: string,
  now: Date,
  ttlMs: number | undefined,
  planned: PlannedResponse | undefined,
): IdempotencyRecord {
  const ttl = Math.max(ttlMs ?? IDEMPOTENCY_TTL_MS, IDEMPOTENCY_TTL_MS);
  return idempotencyRecordSchema.parse({
    key,
    requestHash,
    state: "in-flight",
    claimedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + ttl).toISOString(),
    requestId: planned?.requestId,
    response: planned?.response,
  });
}
