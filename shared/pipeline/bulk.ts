/**
 * Bulk migrations: a checked plan stored whole (storage/batches.ts), then fanned out through the
 * queue a chunk at a time, each customer's migration taken by the ordinary intake (takeSubmission)
 * under an Idempotency-Key derived from the batch and the customer, so a redelivered or resumed
 * chunk submits nothing twice and every guarantee of POST /api/migrations holds. Chunks are
 * scheduled BULK_MIGRATIONS_PER_MINUTE apart, the pacing towards Partner Center.
 */
import type { HttpRequest, HttpResponseInit } from "@azure/functions";

import { idempotencyScope, pathAndQueryOf } from "../auth/callers.js";
import { planBulk, type PlannedMigration, type RowProblem } from "../domain/bulk.js";
import {
  actsAsItself,
  authorizeMigrationRequest,
  type Actor,
  type Caller,
  type MigrationRequestBody,
} from "../domain/index.js";
import type { BulkBody } from "../http/bulkBody.js";
import { problem, type FieldError } from "../http/problem.js";
import { QUEUES, type BulkChunkMessage } from "../messaging/messages.js";
import { IDEMPOTENCY_LEASE_MS } from "../storage/index.js";
import {
  insertBatch,
  readBatchChunk,
  readBatchHeader,
  type BatchChunk,
  type BatchHeader,
} from "../storage/batches.js";
import { acceptOnce, plannedRequestId } from "./intake.js";
import type { Runtime } from "./runtime.js";
import { takeSubmission } from "./submit.js";
import { migrationSubmission } from "./submittedMigration.js";

/** Migrations per chunk (one queue message); a batch's rows fit one transaction with room to spare. */
export const CHUNK_MIGRATIONS = 25;
/** Customers submitted at once within a chunk; cancellation is checked before each group. */
const GROUP = 5;
/** Refused rows listed in the 202 itself; the rest are paged by GET. */
const REFUSED_IN_ANSWER = 100;
const MIGRATIONS_PATH = "/api/migrations";

export interface BulkQuery {
  acceptValid?: "true" | "false";
  externalReferenceId?: string;
  actorUserId?: string;
  actorRole?: string;
}

export interface BulkInput {
  caller: Extract<Caller, { kind: "partner" }>;
  query: BulkQuery;
  body: BulkBody;
  raw: Buffer;
  idempotencyKey: string;
  request: HttpRequest;
}

export async function acceptBulk(rt: Runtime, input: BulkInput): Promise<HttpResponseInit> {
  const envelope = envelopeOf(input);
  if ("errors" in envelope)
    return problem("bad-request", "The request is invalid", { errors: envelope.errors });
  const forbidden =
    actsAsItself(input.caller, envelope.partnerId) ?? authorizeMigrationRequest(envelope.actor);
  if (forbidden !== null) return problem("forbidden", forbidden.message, { violations: [forbidden] });

  const plan = planBulk(input.body.rows);
  const acceptValid = input.query.acceptValid === "true";
  const rowErrors = plan.problems.map(toFieldError);
  if (plan.batchProblems.length > 0) {
    return problem("bad-request", plan.batchProblems.join("; "), {
      errors: [...plan.batchProblems.map((message) => ({ path: "", message })), ...rowErrors],
    });
  }
  const badRows = new Set(plan.problems.map((found) => found.row)).size;
  if (plan.accepted === 0 || (badRows > 0 && !acceptValid)) {
    const detail =
      plan.accepted === 0
        ? `None of the ${input.body.rows.length} rows is valid`
        : `${badRows} of ${input.body.rows.length} rows are invalid: fix them, or send ?acceptValid=true to go ahead with the ${plan.accepted} valid rows`;
    return problem("bad-request", detail, { errors: rowErrors });
  }

  const now = rt.now();
  const chunks = chunksOf(plan.migrations, now, rt.config.BULK_MIGRATIONS_PER_MINUTE);
  const header = (id: string): BatchHeader => ({
    id,
    partnerId: envelope.partnerId,
    externalReferenceId: envelope.externalReferenceId,
    actor: envelope.actor,
    createdAt: now.toISOString(),
    items: plan.accepted,
    refused: badRows,
    customers: new Set(plan.migrations.map((migration) => migration.customerId)).size,
    migrations: plan.migrations.length,
    chunks: chunks.length,
  });
  const sendChunks = (id: string) =>
    Promise.all(
      chunks.map((chunk) => {
        const message: BulkChunkMessage = {
          schemaVersion: 1,
          type: "bulk-chunk",
          requestId: `${id}.c${chunk.index}`,
          batchId: id,
          chunk: chunk.index,
        };
        const at = new Date(chunk.scheduledAt);
        return rt.send(QUEUES.bulk, message, at.getTime() > now.getTime() ? { scheduledAt: at } : {});
      }),
    ).then(() => undefined);
  return acceptOnce(
    rt,
    {
      scope: idempotencyScope(input.caller),
      key: input.idempotencyKey,
      method: input.request.method,
      path: pathAndQueryOf(input.request),
      raw: input.raw,
      idPrefix: "blk",
    },
    {
      answer: (id) => ({
        status: 202,
        headers: { "content-type": "application/json", location: `/api/bulk-migrations/${id}` },
        body: JSON.stringify({
          ...{ id, status: "accepted" },
          ...{ externalReferenceId: envelope.externalReferenceId, items: plan.accepted },
          ...{ customers: header(id).customers, migrations: plan.migrations.length, refusedRows: badRows },
          refused: plan.problems.slice(0, REFUSED_IN_ANSWER),
        }),
      }),
      store: async (id) => {
        await insertBatch(rt.store, header(id), chunks, plan.problems);
      },
      send: sendChunks,
      confirm: async (id) => {
        // Stored: its chunks may not all have left; the chunk processor ignores a repeat.
        const stored = await readBatchHeader(rt.store, id);
        if (stored !== undefined) await sendChunks(id);
        return stored !== undefined;
      },
    },
  );
}

/** The partner, reference and actor: from the JSON body, or for CSV from the query (the partner is the caller). */
function envelopeOf(
  input: BulkInput,
): { partnerId: string; externalReferenceId: string; actor: Actor } | { errors: FieldError[] } {
  const { query, body, caller } = input;
  const csvOnly = ["externalReferenceId", "actorUserId", "actorRole"] as const;
  if (body.format === "json") {
    const given = csvOnly.filter((name) => query[name] !== undefined);
    if (given.length === 0) return body.envelope;
    return {
      errors: given.map((name) => ({
        path: `/query/${name}`,
        message: "only for a text/csv body; JSON carries it in the body",
      })),
    };
  }
  const missing = csvOnly.filter((name) => query[name] === undefined);
  if (missing.length > 0) {
    return {
      errors: missing.map((name) => ({ path: `/query/${name}`, message: "required with a text/csv body" })),
    };
  }
  return {
    partnerId: caller.partnerId,
    externalReferenceId: query.externalReferenceId ?? "",
    actor: { userId: query.actorUserId ?? "", role: query.actorRole ?? "" },
  };
}

function toFieldError(found: RowProblem): FieldError {
  const field = found.field === "" ? "" : `/${found.field.replaceAll(".", "/")}`;
  return { path: `/rows/${found.row}${field}`, message: `row ${found.row}: ${found.message}` };
}

/** The plan cut into chunks, each scheduled so migrations leave at `perMinute` (0: all at once). */
export function chunksOf(
  migrations: readonly PlannedMigration[],
  now: Date,
  perMinute: number,
): BatchChunk[] {
  const chunks: BatchChunk[] = [];
  for (let start = 0; start < migrations.length; start += CHUNK_MIGRATIONS) {
    const offsetMs = perMinute === 0 ? 0 : Math.round((start / perMinute) * 60_000);
    chunks.push({
      index: chunks.length,
      scheduledAt: new Date(now.getTime() + offsetMs).toISOString(),
      migrations: migrations.slice(start, start + CHUNK_MIGRATIONS).map((migration) => ({
        ...migration,
        rows: [...migration.rows],
        items: [...migration.items],
      })),
    });
  }
  return chunks;
}

/** The request a planned migration stands for, exactly as the intake takes it. */
export function plannedSubmission(
  header: Pick<BatchHeader, "id" | "partnerId" | "actor">,
  planned: PlannedMigration,
) {
  const body: MigrationRequestBody = {
    partnerId: header.partnerId,
    customerId: planned.customerId,
    actor: header.actor,
    items: [...planned.items],
  };
  const intake = {
    scope: idempotencyScope({ kind: "partner", keyId: "bulk", partnerId: header.partnerId }),
    // Derived from the batch and the customer: a redelivered chunk is the same request again.
    key: `bulk:${header.id}:${planned.customerId}:${planned.part}`,
    method: "POST",
    path: MIGRATIONS_PATH,
    raw: Buffer.from(JSON.stringify(body)),
    customerId: planned.customerId,
  };
  return { body, intake, migrationId: plannedRequestId({ ...intake, idPrefix: "mig" }) };
}

export interface ChunkResult {
  readonly batchId: string;
  readonly chunk: number;
  readonly submitted: number;
  /** Left unsubmitted because the batch was cancelled. */
  readonly cancelled: number;
  readonly notes: readonly string[];
}

/** Submits one chunk's migrations, a group at a time, stopping once the batch is cancelled. */
export async function processBulkChunk(rt: Runtime, message: BulkChunkMessage): Promise<ChunkResult> {
  const found = await readBatchChunk(rt.store, message.batchId, message.chunk);
  const result = { batchId: message.batchId, chunk: message.chunk };
  if (found?.chunk === undefined) {
    return {
      ...result,
      submitted: 0,
      cancelled: 0,
      notes: [`batch ${message.batchId} has no chunk ${message.chunk}`],
    };
  }
  const { chunk } = found;
  let header = found.header;
  let submitted = 0;
  const busy: string[] = [];
  for (let start = 0; start < chunk.migrations.length; start += GROUP) {
    if (start > 0) header = (await readBatchHeader(rt.store, header.id))?.value ?? header;
    if (header.cancelledAt !== undefined) {
      const cancelled = chunk.migrations.length - start;
      return { ...result, submitted, cancelled, notes: [`cancelled at ${header.cancelledAt}`] };
    }
    await Promise.all(
      chunk.migrations.slice(start, start + GROUP).map(async (planned) => {
        const { body, intake } = plannedSubmission(header, planned);
        const answer = await takeSubmission(
          rt,
          intake,
          QUEUES.migrations,
          migrationSubmission(body, rt.now()),
        );
        if (answer.status === 202) submitted += 1;
        // 409: its key is claimed by an attempt still in its lease (perhaps one that died); try again after it.
        else if (answer.status === 409) busy.push(planned.customerId);
        else throw new Error(`customer ${planned.customerId}: intake answered ${answer.status}`);
      }),
    );
  }
  if (busy.length === 0) return { ...result, submitted, cancelled: 0, notes: [] };
  const retryAt = new Date(rt.now().getTime() + IDEMPOTENCY_LEASE_MS);
  await rt.send(
    QUEUES.bulk,
    { ...message, requestId: `${message.batchId}.c${message.chunk}.r${retryAt.getTime()}` },
    { scheduledAt: retryAt },
  );
  const note = `${busy.join(", ")} still claimed: chunk again at ${retryAt.toISOString()}`;
  return { ...result, submitted, cancelled: 0, notes: [note] };
}
