/**
 * The storage ceiling a pipeline is compared with: single-entity upserts of ~100-byte entities with
 * the plain SDK, `concurrency` in flight, against the same Azurite, in the same run.
 */
import { TableClient } from "@azure/data-tables";

import { mapWithConcurrency } from "../../shared/pipeline/concurrency.js";
import { since } from "./figures.js";

export interface RawUpsertOptions {
  readonly connectionString: string;
  readonly concurrency: number;
  /** Timed upserts (after a warm-up of a tenth as many). */
  readonly count: number;
  readonly table?: string;
}

export async function rawUpsertsPerSecond(options: RawUpsertOptions): Promise<number> {
  const client = TableClient.fromConnectionString(options.connectionString, options.table ?? "benchraw", {
    allowInsecureConnection: true,
  });
  await client.createTable();
  const payload = "x".repeat(100);
  const upsert = (index: number) =>
    client.upsertEntity(
      { partitionKey: `p${index % 64}`, rowKey: `r${index}`, payload },
      "Replace",
    );
  const indexes = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
  const warmUp = Math.max(1, Math.ceil(options.count / 10));
  await mapWithConcurrency(indexes(0, warmUp), options.concurrency, upsert);
  const start = performance.now();
  await mapWithConcurrency(indexes(warmUp, options.count), options.concurrency, upsert);
  return options.count / (since(start) / 1000);
}
