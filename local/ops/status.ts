/**
 * `ops status`: what an operator looks at first — each queue's depth and its dead letters,
 * migrations and relationships by status, what the next sweep will touch (a dry run as of its next
 * scheduled time) and the last real sweep's report.
 */
import type { ServiceBusClient } from "@azure/service-bus";

import { QUEUES } from "../../shared/messaging/messages.js";
import { runSweep, summary } from "../../shared/pipeline/sweep.js";
import { countByStatus, readLastSweep, type LastSweep, type TableStore } from "../../shared/storage/index.js";
import { nextOccurrence, parseNcrontab } from "../host/timers/ncrontab.js";
import { depth, type Depth } from "./peek.js";

export interface QueueStatus {
  readonly queue: string;
  readonly active: Depth;
  readonly deadLettered: Depth;
}

export interface Status {
  readonly queues: readonly QueueStatus[];
  readonly migrations: Readonly<Record<string, number>>;
  readonly relationships: Readonly<Record<string, number>>;
  /** The next scheduled sweep (UTC) and what a run then would do; undefined if it never fires. */
  readonly nextSweep: { readonly at: string; readonly plan: string } | undefined;
  readonly lastSweep: LastSweep | undefined;
}

export async function readStatus(
  client: ServiceBusClient,
  store: TableStore,
  schedule: string,
  now: Date,
): Promise<Status> {
  const queues = await Promise.all(
    Object.values(QUEUES).map(async (queue) => ({
      queue,
      active: await depth(client, queue, "active"),
      deadLettered: await depth(client, queue, "deadLetter"),
    })),
  );
  const [migrations, relationships, lastSweep] = await Promise.all([
    countByStatus(store, "migration"),
    countByStatus(store, "relationship"),
    readLastSweep(store),
  ]);
  const at = nextOccurrence(parseNcrontab(schedule), now, "utc");
  const nextSweep =
    at === undefined
      ? undefined
      : {
          at: at.toISOString(),
          plan: summary(await runSweep({ asOf: at, dryRun: true, runtime: { store, now: () => now } })),
        };
  return { queues, migrations, relationships, nextSweep, lastSweep };
}

function count({ count, atLeast }: Depth): string {
  return `${atLeast ? "≥" : ""}${count}`;
}

function byStatus(counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? "none" : entries.map(([status, n]) => `${status} ${n}`).join(", ");
}

export function formatStatus(status: Status): string {
  const width = Math.max(...status.queues.map(({ queue }) => queue.length));
  const lines = [
    "queues:",
    ...status.queues.map(
      ({ queue, active, deadLettered }) =>
        `  ${queue.padEnd(width)}  active ${count(active)}  dead-lettered ${count(deadLettered)}`,
    ),
    `migrations by status: ${byStatus(status.migrations)}`,
    `relationships by status: ${byStatus(status.relationships)}`,
    status.nextSweep === undefined
      ? "next sweep: never (the schedule does not fire)"
      : `next sweep: ${status.nextSweep.at}, would touch ${status.nextSweep.plan}`,
    status.lastSweep === undefined
      ? "last sweep: none recorded"
      : `last sweep: finished ${status.lastSweep.finishedAt} by ${status.lastSweep.by}, as of ${status.lastSweep.report.asOf}: ${summary(status.lastSweep.report)}${
          status.lastSweep.failedCustomers.length === 0
            ? ""
            : `; not finished for ${status.lastSweep.failedCustomers.join(", ")}`
        }`,
  ];
  return `${lines.join("\n")}\n`;
}
