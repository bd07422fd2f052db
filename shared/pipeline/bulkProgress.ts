/**
 * Where a bulk migration stands (GET /api/bulk-migrations/{id}): every item counted by the status
 * of the migration it went into (or `queued` / `cancelled` before that, `refused` at intake), the
 * pace and an estimate of the time left, and the refused, rejected and failed items with their
 * reasons, a page at a time. Reads the batch (1 query) and each of its migrations (a point read
 * each, 32 at once): a poll costs 1 + migrations round trips, so poll no more than every 30 s.
 */
import { mayRead, type Caller, type Migration, type Violation } from "../domain/index.js";
import { readBatch, type BatchHeader, type StoredBatch } from "../storage/batches.js";
import { getEntity } from "../storage/index.js";
import { plannedSubmission } from "./bulk.js";
import { mapWithConcurrency } from "./concurrency.js";
import type { Runtime } from "./runtime.js";

export const BULK_ITEM_STATUSES = [
  "queued",
  "cancelled",
  "submitted",
  "awaiting-relationship",
  "provisioning",
  "awaiting-term-end",
  "completed",
  "partially-completed",
  "rejected",
  "failed",
  "refused",
] as const;
export type BulkItemStatus = (typeof BULK_ITEM_STATUSES)[number];

/** Not yet decided: what the estimate of the time left counts. */
const PENDING: ReadonlySet<BulkItemStatus> = new Set(["queued", "submitted"]);
export const PROBLEMS_PER_PAGE = 100;

export interface BulkProblem {
  readonly row: number;
  readonly status: "refused" | "rejected" | "failed";
  readonly customerId?: string;
  readonly subscriptionId?: string;
  readonly migrationId?: string;
  readonly reasons: readonly { field?: string; rule?: Violation["rule"]; message: string }[];
}

export interface BulkProgress {
  readonly id: string;
  readonly partnerId: string;
  readonly externalReferenceId: string;
  readonly createdAt: string;
  readonly status: "running" | "cancelled" | "done";
  readonly cancelledAt?: string;
  readonly items: number;
  readonly customers: number;
  readonly migrations: number;
  readonly counts: Record<BulkItemStatus, number>;
  /** Items decided, of those accepted (refused rows not counted). */
  readonly percent: number;
  readonly itemsPerMinute: number;
  /** Null when nothing is left, or nothing has been decided yet to estimate from. */
  readonly estimatedSecondsLeft: number | null;
  readonly problems: readonly BulkProblem[];
  readonly continuationToken?: string;
}

/** The batch's progress, or undefined when there is none the caller may read (TEN-2: another's is 404). */
export async function bulkProgress(
  rt: Runtime,
  batchId: string,
  caller: Caller,
  continuationToken: string | undefined,
): Promise<BulkProgress | undefined> {
  const batch = await readBatch(rt.store, batchId);
  if (batch === undefined || !mayRead(caller, batch.header.value.partnerId)) return undefined;
  const header = batch.header.value;
  const planned = batch.chunks.flatMap((chunk) => chunk.migrations);
  const migrations = await mapWithConcurrency(planned, 32, async (migration) => {
    const { migrationId } = plannedSubmission(header, migration);
    return (await getEntity(rt.store, "migration", migration.customerId, migrationId))?.value;
  });
  return summarize(header, batch, planned, migrations, offsetOf(continuationToken));
}

function summarize(
  header: BatchHeader,
  batch: StoredBatch,
  planned: StoredBatch["chunks"][number]["migrations"],
  migrations: readonly (Migration | undefined)[],
  offset: number,
): BulkProgress {
  const counts = Object.fromEntries(BULK_ITEM_STATUSES.map((status) => [status, 0])) as Record<
    BulkItemStatus,
    number
  >;
  counts.refused = header.refused;
  const problems: BulkProblem[] = refusedProblems(batch);
  let lastDecidedAt = 0;
  planned.forEach((plan, index) => {
    const migration = migrations[index];
    plan.rows.forEach((row, position) => {
      const status = itemStatus(header, migration, position);
      counts[status] += 1;
      if (migration === undefined || (status !== "rejected" && status !== "failed")) return;
      const item = migration.items[position];
      const violations = [...migration.violations, ...(item?.violations ?? [])];
      problems.push({
        row,
        status,
        customerId: plan.customerId,
        subscriptionId: plan.items[position]?.subscriptionId ?? "",
        migrationId: migration.id,
        reasons:
          status === "failed"
            ? [{ message: migration.failureReason ?? "failed" }]
            : violations.map((found) => ({ rule: found.rule, message: found.message })),
      });
    });
    if (migration !== undefined && migration.status !== "submitted") {
      lastDecidedAt = Math.max(lastDecidedAt, Date.parse(migration.updatedAt));
    }
  });
  problems.sort((a, b) => a.row - b.row);
  const pending = [...PENDING].reduce((sum, status) => sum + counts[status], 0);
  const decided = header.items - pending - counts.cancelled;
  const started = Date.parse(header.createdAt);
  const minutes = Math.max((Math.max(lastDecidedAt, started) - started) / 60_000, 1 / 60);
  const itemsPerMinute = decided === 0 ? 0 : Math.round((decided / minutes) * 10) / 10;
  const left = header.cancelledAt === undefined ? pending : counts.submitted;
  const page = problems.slice(offset, offset + PROBLEMS_PER_PAGE);
  const next = offset + PROBLEMS_PER_PAGE;
  return {
    id: header.id,
    partnerId: header.partnerId,
    externalReferenceId: header.externalReferenceId,
    createdAt: header.createdAt,
    status: left === 0 ? (header.cancelledAt === undefined ? "done" : "cancelled") : "running",
    ...(header.cancelledAt === undefined ? {} : { cancelledAt: header.cancelledAt }),
    items: header.items,
    customers: header.customers,
    migrations: header.migrations,
    counts,
    percent: header.items === 0 ? 100 : Math.floor(((header.items - left) * 100) / header.items),
    itemsPerMinute,
    estimatedSecondsLeft: left === 0 || itemsPerMinute === 0 ? null : Math.ceil((left / itemsPerMinute) * 60),
    problems: page,
    ...(next < problems.length ? { continuationToken: tokenOf(next) } : {}),
  };
}

/** An item's status: its migration's, `rejected` when the item alone was, or before submission `queued` / `cancelled`. */
function itemStatus(header: BatchHeader, migration: Migration | undefined, position: number): BulkItemStatus {
  if (migration === undefined) return header.cancelledAt === undefined ? "queued" : "cancelled";
  if (migration.status === "rejected" || migration.status === "failed") return migration.status;
  if (migration.items[position]?.status === "rejected") return "rejected";
  return migration.status;
}

function refusedProblems(batch: StoredBatch): BulkProblem[] {
  const byRow = new Map<number, BulkProblem["reasons"][number][]>();
  for (const found of batch.refused) {
    byRow.set(found.row, [...(byRow.get(found.row) ?? []), { field: found.field, message: found.message }]);
  }
  return [...byRow].map(([row, reasons]) => ({ row, status: "refused", reasons }));
}

function tokenOf(offset: number): string {
  return Buffer.from(`p${offset}`).toString("base64url");
}

/** The offset a token names; 0 for none. A token that does not decode is refused by the route's schema. */
function offsetOf(token: string | undefined): number {
  if (token === undefined) return 0;
  const match = /^p(\d{1,6})$/.exec(Buffer.from(token, "base64url").toString());
  return match === null ? 0 : Number(match[1]);
}

export const CONTINUATION_TOKEN = /^[A-Za-z0-9_-]{1,16}$/;
