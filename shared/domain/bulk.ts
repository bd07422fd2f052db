/**
 * A bulk migration (POST /api/bulk-migrations): up to 5,000 line items over up to 1,000 customers,
 * each row checked on its own so every bad row is named, then grouped into one migration per
 * customer (several when a customer has more items than one migration holds). Pure.
 */
import { z } from "zod";

import { actorSchema, idSchema, migrationItemRequestSchema, textSchema } from "./model.js";
import { MAX_MIGRATION_ITEMS } from "./requests.js";

export const BULK_LIMITS = { items: 5_000, customers: 1_000 } as const;

/** One line item of a bulk request: the customer it belongs to, and what a migration item asks. */
export const bulkItemSchema = z
  .strictObject({ customerId: idSchema, ...migrationItemRequestSchema.shape })
  .meta({ id: "BulkMigrationItem" });
export type BulkItem = z.infer<typeof bulkItemSchema>;

/** The CSV header, in this order; a file may leave out the optional columns. */
export const BULK_CSV_COLUMNS = [
  "customerId",
  "subscriptionId",
  "targetOfferId",
  "targetSeats",
  "cancelOriginal",
  "startAt",
  "allowSeatReduction",
] as const;
export const BULK_CSV_REQUIRED = ["customerId", "subscriptionId", "cancelOriginal"] as const;

export const bulkEnvelopeShape = {
  partnerId: idSchema,
  /** The partner's own name for the batch, e.g. its ticket or project id. */
  externalReferenceId: textSchema(128),
  actor: actorSchema,
};

/** The JSON body: what OpenAPI shows. Rows are checked one by one (bulkPlan), so one bad row does not hide the rest. */
export const bulkMigrationBodySchema = z
  .strictObject({
    ...bulkEnvelopeShape,
    items: z.array(bulkItemSchema).min(1).max(BULK_LIMITS.items),
  })
  .meta({ id: "BulkMigrationBody" });

export interface RowProblem {
  /** 1-based: the item's position in `items`, or the CSV data row (the header not counted). */
  readonly row: number;
  /** The field at fault; empty for the row as a whole. */
  readonly field: string;
  readonly message: string;
}

export interface PlannedMigration {
  readonly customerId: string;
  /** 0 for a customer's first migration; more when its items fill more than one. */
  readonly part: number;
  readonly rows: readonly number[];
  readonly items: readonly z.infer<typeof migrationItemRequestSchema>[];
}

export interface BulkPlan {
  readonly migrations: readonly PlannedMigration[];
  readonly accepted: number;
  /** Every bad row, each field at fault. */
  readonly problems: readonly RowProblem[];
  /** Problems of the batch as a whole (too many items or customers): nothing can go ahead. */
  readonly batchProblems: readonly string[];
}

/** Checks every row and groups the good ones; rows are numbered from 1. */
export function planBulk(rows: readonly unknown[]): BulkPlan {
  const problems: RowProblem[] = [];
  const good: { row: number; item: BulkItem }[] = [];
  const seen = new Map<string, number>();
  rows.forEach((raw, index) => {
    const row = index + 1;
    const parsed = bulkItemSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push({ row, field: issue.path.map(String).join("."), message: issue.message });
      }
      return;
    }
    const key = `${parsed.data.customerId}|${parsed.data.subscriptionId}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      // MIG-1: one line item per original subscription.
      problems.push({
        row,
        field: "subscriptionId",
        message: `subscription ${parsed.data.subscriptionId} of customer ${parsed.data.customerId} is already in row ${earlier}`,
      });
      return;
    }
    seen.set(key, row);
    good.push({ row, item: parsed.data });
  });
  const batchProblems: string[] = [];
  if (rows.length > BULK_LIMITS.items) {
    batchProblems.push(`${rows.length} items; a batch holds at most ${BULK_LIMITS.items}`);
  }
  const migrations = groupByCustomer(good);
  const customers = new Set(migrations.map((migration) => migration.customerId)).size;
  if (customers > BULK_LIMITS.customers) {
    batchProblems.push(`${customers} customers; a batch holds at most ${BULK_LIMITS.customers}`);
  }
  return { migrations, accepted: good.length, problems, batchProblems };
}

/** Customers in order of first appearance; each one's items in migrations of at most MAX_MIGRATION_ITEMS. */
function groupByCustomer(good: readonly { row: number; item: BulkItem }[]): PlannedMigration[] {
  const byCustomer = new Map<string, { row: number; item: BulkItem }[]>();
  for (const entry of good) {
    byCustomer.set(entry.item.customerId, [...(byCustomer.get(entry.item.customerId) ?? []), entry]);
  }
  const migrations: PlannedMigration[] = [];
  for (const [customerId, entries] of byCustomer) {
    for (let start = 0; start < entries.length; start += MAX_MIGRATION_ITEMS) {
      const part = entries.slice(start, start + MAX_MIGRATION_ITEMS);
      migrations.push({
        customerId,
        part: start / MAX_MIGRATION_ITEMS,
        rows: part.map((entry) => entry.row),
        items: part.map(({ item: { customerId: _customer, ...request } }) => request),
      });
    }
  }
  return migrations;
}

/**
 * One CSV record as the JSON row it stands for: empty cells are absent, `targetSeats` a number and
 * `allowSeatReduction` a boolean when they read as one (otherwise left as text for the schema to refuse).
 */
export function csvRecordToRow(header: readonly string[], cells: readonly string[]): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  header.forEach((column, index) => {
    const cell = (cells[index] ?? "").trim();
    if (cell === "") return;
    if (column === "targetSeats" && /^\d+$/.test(cell)) row[column] = Number(cell);
    else if (column === "allowSeatReduction" && (cell === "true" || cell === "false"))
      row[column] = cell === "true";
    else row[column] = cell;
  });
  return row;
}
