/** Building bulk migration requests for the tests and the bench: rows, CSV text, JSON bodies. */
import { BULK_CSV_COLUMNS } from "../../../shared/domain/bulk.js";

export interface BulkRow {
  customerId: string;
  subscriptionId: string;
  targetOfferId?: string;
  targetSeats?: number | string;
  cancelOriginal: string;
  startAt?: string;
  allowSeatReduction?: boolean;
}

export const BULK_ACTOR = { userId: "bob@partner.example", role: "account-admin" };

/** `customers` customers (`<prefix>-0001`…) with `perCustomer` items each, `sub-1`… */
export function bulkRows(prefix: string, customers: number, perCustomer: number): BulkRow[] {
  const rows: BulkRow[] = [];
  for (let c = 1; c <= customers; c += 1) {
    for (let s = 1; s <= perCustomer; s += 1) {
      rows.push({
        customerId: `${prefix}-${String(c).padStart(4, "0")}`,
        subscriptionId: `sub-${s}`,
        cancelOriginal: "at-term-end",
      });
    }
  }
  return rows;
}

/** The rows as the documented CSV: the header, then one line per row (empty cells for absent fields). */
export function bulkCsv(rows: readonly BulkRow[]): string {
  const lines = rows.map((row) =>
    BULK_CSV_COLUMNS.map((column) => {
      const value = row[column];
      return value === undefined ? "" : String(value);
    }).join(","),
  );
  return `${BULK_CSV_COLUMNS.join(",")}\n${lines.join("\n")}\n`;
}

export function bulkJson(partnerId: string, rows: readonly BulkRow[], externalReferenceId = "wave-1") {
  return { partnerId, externalReferenceId, actor: BULK_ACTOR, items: rows };
}

export const csvQuery = (externalReferenceId = "wave-1") => ({
  externalReferenceId,
  actorUserId: BULK_ACTOR.userId,
  actorRole: BULK_ACTOR.role,
});
