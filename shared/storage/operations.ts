/**
 * What an operator reads across customers: how many migrations or relationships are in each status
 * (a scan of one row-key range over every customer partition: an operator's query, not a request
 * path's), and the report of the last real sweep, kept in the reference table.
 */
import { z } from "zod";

import { isoTimeSchema } from "../domain/model.js";
import { sweepReportSchema } from "../http/views.js";
import { decodeStateRow } from "./customerState.js";
import { buildEntity, queryRaw, rangeFilter, readDecoded } from "./entityIo.js";
import { stateKindRange } from "./keys.js";
import type { TableStore } from "./tableStore.js";

/** Entities of a kind by status, across all customers; 1 round trip per 1,000. */
export async function countByStatus(
  store: TableStore,
  kind: "migration" | "relationship",
): Promise<Record<string, number>> {
  const client = await store.table("customers");
  const counts: Record<string, number> = {};
  for (const raw of await queryRaw(client, rangeFilter("RowKey", stateKindRange(kind)))) {
    const { status } = decodeStateRow(client, raw, kind, raw.partitionKey ?? "").value;
    counts[status] = (counts[status] ?? 0) + 1;
  }
  return counts;
}

export const lastSweepSchema = z.object({
  finishedAt: isoTimeSchema,
  by: z.string(),
  /** Customers the sweep could not finish (the next run retries them). */
  failedCustomers: z.array(z.string()),
  report: sweepReportSchema,
});
export type LastSweep = z.infer<typeof lastSweepSchema>;

const LAST_SWEEP = { partitionKey: "ops", rowKey: "last-sweep" } as const;

export async function saveLastSweep(store: TableStore, sweep: LastSweep): Promise<void> {
  const client = await store.table("reference");
  const record = lastSweepSchema.parse(sweep);
  await client.upsertEntity(
    buildEntity(client.tableName, LAST_SWEEP.partitionKey, LAST_SWEEP.rowKey, record),
    "Replace",
  );
}

export async function readLastSweep(store: TableStore): Promise<LastSweep | undefined> {
  const client = await store.table("reference");
  return (await readDecoded(client, lastSweepSchema, LAST_SWEEP.partitionKey, LAST_SWEEP.rowKey))?.value;
}
