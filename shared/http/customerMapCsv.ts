/** The customer map as CSV (`Accept: text/csv`): one row per customer, counts as `key:n` lists. */
import { stringify } from "csv-stringify/sync";
import type { z } from "zod";

import type { customerMapEntrySchema } from "./portfolioViews.js";

export const CUSTOMER_MAP_CSV_COLUMNS = [
  "customerId",
  "relationship",
  "delegatedAdmin",
  "migrations",
  "subscriptions",
  "nextTermEnd",
  "needsAction",
] as const;

type Entry = z.infer<typeof customerMapEntrySchema>;

function counts(record: Partial<Record<string, number>>): string {
  return Object.entries(record)
    .map(([key, count]) => `${key}:${count ?? 0}`)
    .join(";");
}

function actions(entry: Entry): string {
  return entry.needsAction
    .map((action) =>
      action.what === "follow-up-invitation"
        ? `${action.what}:${action.pendingSince}`
        : `${action.what}:${action.items}`,
    )
    .join(";");
}

export function customerMapCsv(entries: readonly Entry[]): string {
  return stringify(
    entries.map((entry) => [
      entry.customerId,
      entry.relationship,
      String(entry.delegatedAdmin),
      counts(entry.migrations),
      counts(entry.subscriptions),
      entry.nextTermEnd ?? "",
      actions(entry),
    ]),
    { header: true, columns: [...CUSTOMER_MAP_CSV_COLUMNS], record_delimiter: "\r\n" },
  );
}
