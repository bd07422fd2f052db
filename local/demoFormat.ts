/** Plain-text tables for the demo's output: a migration's line items, a history, Partner Center's orders. */
import type { HistoryEntry, LineItem } from "../shared/domain/model.js";
import type { PlacedOrder } from "./partner-center/server.js";

/** Left-aligned columns separated by two spaces, a rule under the header. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: readonly string[]): string =>
    widths
      .map((width, column) => (cells[column] ?? "").padEnd(width))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)];
}

/** The date part of an ISO time, or "-". */
function day(iso: string | null | undefined): string {
  return iso === null || iso === undefined ? "-" : iso.slice(0, 10);
}

export function lineItemsTable(items: readonly LineItem[]): string[] {
  return renderTable(
    ["subscription", "path", "target offer", "seats", "reassignment", "credit", "cancelAt", "status"],
    items.map((item) => [
      item.subscriptionId,
      item.path ?? "-",
      item.targetOfferId ?? "-",
      item.targetSeats === null ? "-" : String(item.targetSeats),
      item.licenseReassignmentRequired ? "required" : "no",
      item.creditEligibility,
      day(item.cancelAt),
      item.status,
    ]),
  );
}

export function historyTable(history: readonly HistoryEntry[]): string[] {
  return renderTable(
    ["at", "by", "from", "to", "rules", "note"],
    history.map((entry) => [
      entry.at.replace(/\.\d+Z$/, "Z"),
      entry.by,
      entry.from ?? "-",
      entry.to,
      entry.rules.join(",") || "-",
      entry.note ?? "",
    ]),
  );
}

/** One row per line of each order, as the local Partner Center holds it. */
export function ordersTable(orders: readonly PlacedOrder[]): string[] {
  return renderTable(
    ["order", "catalog item", "quantity", "MS-RequestId", "subscription"],
    orders.flatMap((order) =>
      order.lineItems.map((line) => [
        order.id,
        line.catalogItemId,
        String(line.quantity),
        order.requestId ?? "-",
        line.subscriptionId,
      ]),
    ),
  );
}
