/**
 * Taking a submission (a relationship request or a migration) exactly once, in ONE round trip: the
 * Idempotency-Key claim lives in the customer's partition (row `claim|<scope>|<SHA-256 of the key>`)
 * and is inserted in the same entity-group transaction as the `submitted` entity and its first
 * history row. A claim therefore exists exactly when its entity does: no claim without a stored
 * request, no stored request without a claim, whatever crashes when.
 *
 * Only when that insert meets an existing row (409) does the retry path read — the claim and the
 * entity, one query — and answer: another request under the same key is a mismatch (422); the same
 * request replays its stored answer, and is sent again while its entity is still `submitted` (the
 * first attempt may have died, or still be, between its write and its send: duplicate detection
 * keeps one message). Since claim and stored request are one write, a claimed key is a taken
 * request: the old "claimed, not yet stored" state (409) no longer exists for submissions; 409
 * remains only when racing takeovers keep winning. An expired claim (24 h) is replaced in one
 * transaction with the new request's entity.
 *
 * Scope: the key is claimed per caller and customer — the customer is part of every submission, and
 * its partition is where the claim must live to share the transaction. A key reused by one partner
 * for another customer is therefore a new request there, not a 422.
 */
import type { TransactionAction } from "@azure/data-tables";

import type { Change } from "./changes.js";
import { commit } from "./commit.js";
import { blankCustomerState, decodeStateRow } from "./customerState.js";
import { buildEntity, decodeStored, quote, queryRaw } from "./entityIo.js";
import { WriteConflictError } from "./errors.js";
import {
  idempotencyRecordSchema,
  newIdempotencyRecord,
  type IdempotencyRecord,
  type StoredResponse,
} from "./idempotency.js";
import { claimRowKey, stateRowKey } from "./keys.js";
import type { TableStore } from "./tableStore.js";

export interface SubmissionClaim {
  /** Whose key it is: the calling partner (idempotencyScope). */
  readonly scope: string;
  readonly key: string;
  readonly requestHash: string;
  readonly customerId: string;
  readonly entity: { readonly kind: "relationship" | "migration"; readonly id: string };
  /** The answer this request gives, stored with the claim for replays. */
  readonly response: StoredResponse;
}

export type SubmissionTaken =
  | { readonly kind: "new" }
  /** Taken before; `resend` when its entity is still `submitted` (its message may never have left). */
  | { readonly kind: "replay"; readonly response: StoredResponse; readonly resend: boolean }
  | { readonly kind: "mismatch" }
  | { readonly kind: "in-flight" };

export interface SubmissionClaimOptions {
  readonly now: Date;
  readonly ttlMs?: number;
}

const MAX_ROUNDS = 5;

/**
 * Inserts claim, entity and history (`changes`, insert-only) as one transaction. Round trips: 1 for
 * a new key; 2 when the key exists (+1 when an expired claim is replaced).
 */
export async function takeSubmissionOnce(
  store: TableStore,
  claim: SubmissionClaim,
  changes: readonly Change[],
  options: SubmissionClaimOptions,
): Promise<SubmissionTaken> {
  const rowKey = claimRowKey(claim.scope, claim.key);
  const fresh = newIdempotencyRecord(claim.key, claim.requestHash, options.now, options.ttlMs, {
    requestId: claim.entity.id,
    response: claim.response,
  });
  const claimRow =
    (action: (entity: ReturnType<typeof buildEntity>) => TransactionAction) => (table: string) => [
      action(buildEntity(table, claim.customerId, rowKey, fresh)),
    ];
  let ownRows = claimRow((entity) => ["create", entity]);
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    try {
      // No outbox pointer: the processing message the caller sends next leads to these events.
      await commit(store, blankCustomerState(claim.customerId), changes, { ownRows, outboxPointer: false });
      return { kind: "new" };
    } catch (error) {
      if (!(error instanceof WriteConflictError)) throw error;
    }
    const found = await readClaimAndEntity(store, claim, rowKey);
    if (found.claim === undefined) {
      // Stored without a claim here (before claims moved into the partition): the same request.
      if (found.entityStatus !== undefined) return replay(claim.response, found.entityStatus);
      ownRows = claimRow((entity) => ["create", entity]);
      continue;
    }
    const { value: existing, etag } = found.claim;
    const expired = Date.parse(existing.expiresAt) <= options.now.getTime();
    if (!expired && existing.requestHash !== claim.requestHash) return { kind: "mismatch" };
    if (found.entityStatus !== undefined && existing.requestHash === claim.requestHash) {
      return replay(existing.response ?? claim.response, found.entityStatus);
    }
    // Expired, or (impossibly) a claim without its entity: this request takes the key over.
    ownRows = claimRow((entity) => ["update", entity, "Replace", { etag }]);
  }
  return { kind: "in-flight" };
}

function replay(response: StoredResponse, status: string): SubmissionTaken {
  return { kind: "replay", response, resend: status === "submitted" };
}

async function readClaimAndEntity(
  store: TableStore,
  claim: SubmissionClaim,
  claimKey: string,
): Promise<{
  claim: { value: IdempotencyRecord; etag: string } | undefined;
  entityStatus: string | undefined;
}> {
  const client = await store.table("customers");
  const entityKey = stateRowKey(claim.entity.kind, claim.entity.id);
  const rows = await queryRaw(
    client,
    `PartitionKey eq ${quote(claim.customerId)} and (RowKey eq ${quote(claimKey)} or RowKey eq ${quote(entityKey)})`,
  );
  const claimRaw = rows.find((row) => row.rowKey === claimKey);
  const entityRaw = rows.find((row) => row.rowKey === entityKey);
  return {
    claim: claimRaw === undefined ? undefined : decodeStored(client, idempotencyRecordSchema, claimRaw),
    entityStatus:
      entityRaw === undefined
        ? undefined
        : decodeStateRow(client, entityRaw, claim.entity.kind, claim.customerId).value.status,
  };
}
