/**
 * The storage ceiling a pipeline is compared with: single-entity upserts of ~100-byte entities with
 * the plain SDK, `concurrency` in flight, against the same Azurite, in the same run. Also the CPU
 * one upsert costs the client (this process) and Azurite (its process), which machine load does
 * not distort the way it distorts rates.
 */
import { TableClient } from "@azure/data-tables";

import { mapWithConcurrency } from "../../shared/pipeline/concurrency.js";
import { since } from "./figures.js";
import { childrenCpu, cpuSince } from "./processCpu.js";

export interface RawUpsertOptions {
  readonly connectionString: string;
  readonly concurrency: number;
  /** Timed upserts (after a warm-up of a tenth as many). */
  readonly count: number;
  readonly table?: string;
}

export interface RawUpserts {
  readonly perSecond: number;
  /** CPU ms per upsert in this process (the SDK). */
  readonly clientCpuMs: number;
  /** CPU ms per upsert in Azurite's process, when it runs in a child process. */
  readonly azuriteCpuMs: number | undefined;
}

export async function rawUpserts(options: RawUpsertOptions): Promise<RawUpserts> {
  const client = TableClient.fromConnectionString(options.connectionString, options.table ?? "benchraw", {
    allowInsecureConnection: true,
  });
  await client.createTable();
  const payload = "x".repeat(100);
  const upsert = (index: number) =>
    client.upsertEntity({ partitionKey: `p${index % 64}`, rowKey: `r${index}`, payload }, "Replace");
  const indexes = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
  const warmUp = Math.max(1, Math.ceil(options.count / 10));
  await mapWithConcurrency(indexes(0, warmUp), options.concurrency, upsert);
  const cpuBefore = process.cpuUsage();
  const childrenBefore = childrenCpu();
  const start = performance.now();
  await mapWithConcurrency(indexes(warmUp, options.count), options.concurrency, upsert);
  const seconds = since(start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const azurite = cpuSince(childrenBefore, childrenCpu()).get("azurite");
  return {
    perSecond: options.count / seconds,
    clientCpuMs: (cpu.user + cpu.system) / 1000 / options.count,
    azuriteCpuMs: azurite === undefined ? undefined : azurite / options.count,
  };
}
