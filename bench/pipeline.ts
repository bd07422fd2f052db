/**
 * Pipeline throughput: N migrations (one license item each) from a signed webhook to
 * `awaiting-term-end`, 16 in flight, through the real path: POST /api/migrations over HTTP to the
 * local stack's host serving the app (from its sources, in this process), Service Bus (the
 * project's emulator), and the processor run by the host's Service Bus trigger (host.json
 * maxConcurrentCalls). Compared with raw single-entity upserts against the same Azurite, same run.
 *
 * Azurite, the emulator and the portal load generator run in processes of their own by default
 * (remote in Azure: their CPU is not the product's); `--placement in-process` puts the emulator and
 * the load generator in this process to show what that costs.
 *
 * Table round trips are counted by the storage layer's own counting policy (the process-wide
 * counter: the host runs in this process, on the same modules); Service Bus operations by the
 * emulator's stats().
 */
import type { HostLogEntry } from "../local/host/index.js";
import type { EmulatorStats } from "../local/servicebus/index.js";
import { mapWithConcurrency } from "../shared/pipeline/concurrency.js";
import {
  loadCustomerState,
  tableRoundTrips,
  type RoundTripSnapshot,
  type TableStore,
} from "../shared/storage/index.js";
import { untilQueuesIdle } from "./lib/busIdle.js";
import { figure, percentile, round, since, type Figure } from "./lib/figures.js";
import { migrationBody, seedBenchPartnerKey, postSigned, type Posted } from "./lib/http.js";
import { startLoadGenerator, type LoadRequest } from "./lib/load.js";
import { childrenCpu, cpuSince, mainThreadCpuMs } from "./lib/processCpu.js";
import { startProfiling } from "./lib/profile.js";
import { rawUpserts, type RawUpserts } from "./lib/rawUpserts.js";
import { startBenchServices, type Placement } from "./lib/services.js";
import { storageCosts } from "./lib/storageCosts.js";
import { customerId, migrationLoad, putReference, seedMigratableCustomers } from "./lib/world.js";

export interface PipelineOptions {
  readonly migrations: number;
  readonly concurrency?: number;
  readonly warmUp?: number;
  /** Where the emulator and the load generator run; default child processes. */
  readonly placement?: Placement;
  /**
   * "stock" Azurite answers the processor's partition query by scanning the whole table, so it slows
   * as the run fills the table; "indexed" seeks the partition, as Table Storage does (lib/indexedAzurite.ts).
   * Figures of an indexed run are prefixed "indexed azurite: ".
   */
  readonly azurite?: "stock" | "indexed";
}

const PREFIX = "benchpipe";
const DAY_MS = 86_400_000;
const FUNCTION = "processMigrationMessage";
const RAW_UPSERTS = 4_000;
/** A window with nothing to do, after the warm-up: what the stack's timers and receivers cost idle. */
const IDLE_SECONDS = 3;

export async function pipelineBench(options: PipelineOptions): Promise<Figure[]> {
  const concurrency = options.concurrency ?? 16;
  const warmUp = options.warmUp ?? 200;
  const placement = options.placement ?? "child-process";
  const total = warmUp + options.migrations;
  const indexed = options.azurite === "indexed";
  const services = await startBenchServices({
    emulator: placement,
    ...(indexed ? { azurite: "indexed" } : {}),
  });
  const setupStore = services.store(PREFIX);
  const now = new Date();
  try {
    await putReference(setupStore);
    await seedBenchPartnerKey(setupStore);
    await seedMigratableCustomers(setupStore, total, {
      termEnd: new Date(now.getTime() + 120 * DAY_MS),
      now,
    });

    const processed = processedCounter();
    const { startLocalStack } = await import("../local/stack.js");
    const stack = await startLocalStack({
      port: 0,
      env: services.appSettings(PREFIX),
      localSettingsPath: false,
      log: processed.log,
    });
    const load = placement === "child-process" ? await startLoadGenerator() : undefined;
    try {
      const request = (from: number, count: number): LoadRequest =>
        migrationLoad(stack.baseUrl, { from, count, concurrency, keyPrefix: "bench" });
      const post = async (work: LoadRequest): Promise<Posted[]> =>
        load === undefined
          ? mapWithConcurrency(work.posts, work.concurrency, (p) =>
              postSigned(work.url, migrationBody(p.partnerId, p.customerId, p.subscriptionId), p.key),
            )
          : (await load.run(work)).answers;

      // Warm-up: connections, links, tables, the reference cache and the JIT; not counted.
      await post(request(0, warmUp));
      await processed.reach(warmUp);
      await untilQueuesIdle(() => services.busStats());
      const idle = await idleCpu(IDLE_SECONDS);
      // The baseline once before and once after the migrations: on a shared machine one sample of it
      // moves by a fifth from run to run, and the ratio with it.
      const rawUpsertsIn = (table: string) =>
        rawUpserts({
          connectionString: services.azurite.connectionString,
          concurrency,
          count: RAW_UPSERTS,
          table,
        });
      const rawBefore = await rawUpsertsIn("benchrawbefore");

      const roundTrips = tableRoundTrips();
      roundTrips.reset();
      const busBefore = await services.busStats();
      const invocationsBefore = processed.durations.length;
      const cpuBefore = process.cpuUsage();
      const mainBefore = mainThreadCpuMs();
      const childrenBefore = childrenCpu();
      const profiling = await startProfiling("pipeline");
      const start = performance.now();
      const answers = await post(request(warmUp, options.migrations));
      const intakeSeconds = since(start) / 1000;
      await processed.reach(total);
      const seconds = since(start) / 1000;
      // CPU, round trips and operations include the relay's and dispatcher's work for these migrations.
      await untilQueuesIdle(() => services.busStats());
      await profiling.stop();
      const cpu = process.cpuUsage(cpuBefore);
      const mainAfter = mainThreadCpuMs();
      const childrenSpent = cpuSince(childrenBefore, childrenCpu());
      const trips = roundTrips.snapshot();
      const busAfter = await services.busStats();
      const processorMs = processed.durations.slice(invocationsBefore);

      const refused = answers.filter((answer) => answer.status !== 202);
      const finished = await countAwaitingTermEnd(
        setupStore,
        Array.from({ length: options.migrations }, (_, i) => warmUp + i),
      );
      const rawAfter = await rawUpsertsIn("benchrawafter");
      const raw = meanOfRawUpserts(rawBefore, rawAfter);

      const costs = await storageCosts(setupStore, total, services.store(`${PREFIX}small`));
      const perSecond = options.migrations / seconds;
      const perMigration = (ms: number) => round(ms / options.migrations, 2);
      /** All the product's processes (host, Azurite, emulator; not the load generator) per migration, in raw upserts (client + Azurite). */
      const cpuRatio = (productMs: number, upserts: typeof raw): string | number =>
        upserts.azuriteCpuMs === undefined
          ? "?"
          : round(productMs / options.migrations / (upserts.clientCpuMs + upserts.azuriteCpuMs), 1);
      const tripsPerMigration = trips.total / options.migrations;
      const busOperations = busAfter.totalOperations - busBefore.totalOperations;
      const cpuMs = (cpu.user + cpu.system) / 1000;
      const figures = [
        figure(
          "pipeline path",
          `signed HTTP POST → local host (app from sources) → Service Bus emulator → host trigger → processor; emulator and load generator ${placement === "child-process" ? "in processes of their own" : "in the host's process"}, Azurite in its own`,
        ),
        figure("pipeline migrations", options.migrations),
        figure("pipeline in flight (HTTP; host maxConcurrentCalls)", concurrency),
        figure("pipeline refused", refused.length),
        figure("pipeline reached awaiting-term-end", finished),
        figure("pipeline seconds", round(seconds)),
        figure("pipeline intake seconds (all answered)", round(intakeSeconds)),
        figure("pipeline migrations per second", round(perSecond, 1)),
        figure(
          "pipeline intake p50 ms",
          round(
            percentile(
              answers.map((a) => a.ms),
              50,
            ),
            1,
          ),
        ),
        figure("pipeline processor invocation p50 ms", round(percentile(processorMs, 50), 1)),
        figure(
          "pipeline CPU ms per migration by process",
          [
            `host ${perMigration(cpuMs)}`,
            ...[...childrenSpent].map(([name, ms]) => `${name} ${perMigration(ms)}`),
          ].join(", "),
        ),
        figure(
          "pipeline host CPU ms per migration by thread",
          mainBefore === undefined || mainAfter === undefined
            ? "?"
            : `event loop ${perMigration(mainAfter - mainBefore)}, V8 and libuv helpers (GC, compilation) ${perMigration(cpuMs - (mainAfter - mainBefore))}`,
        ),
        figure(
          "pipeline CPU busy by process",
          [
            `host ${busy(cpuMs, seconds)}`,
            ...[...childrenSpent].map(([name, ms]) => `${name} ${busy(ms, seconds)}`),
          ].join(", "),
        ),
        figure(
          "pipeline idle CPU ms per second by process (nothing posted)",
          [...idle].map(([name, ms]) => `${name} ${round(ms / IDLE_SECONDS, 1)}`).join(", "),
        ),
        figure(
          "pipeline idle CPU ms per migration at the run's length by process",
          [...idle].map(([name, ms]) => `${name} ${perMigration((ms / IDLE_SECONDS) * seconds)}`).join(", "),
        ),
        figure(
          `raw upserts per second (${concurrency} in flight, same Azurite, mean of before and after)`,
          round(raw.perSecond, 1),
        ),
        figure(
          "raw upsert CPU ms by process",
          `client ${round(raw.clientCpuMs, 3)}, azurite ${raw.azuriteCpuMs === undefined ? "?" : round(raw.azuriteCpuMs, 3)}`,
        ),
        figure(
          "raw upsert CPU ms (client + azurite) before / after the migrations",
          [rawBefore, rawAfter]
            .map((sample) =>
              sample.azuriteCpuMs === undefined ? "?" : round(sample.clientCpuMs + sample.azuriteCpuMs, 3),
            )
            .join(" / "),
        ),
        figure("azurite CPU ms per call", costs),
        figure(
          "cpu per migration / cpu per raw upsert",
          cpuRatio(cpuMs + (childrenSpent.get("azurite") ?? 0) + (childrenSpent.get("emulator") ?? 0), raw),
        ),
        figure("table round trips per migration", round(tripsPerMigration, 2)),
        figure("table round trips per migration by kind", byKind(trips, options.migrations)),
        figure("service bus operations per migration", round(busOperations / options.migrations, 2)),
        figure(
          "service bus operations per migration by kind",
          busOperationsByKind(busBefore, busAfter, options.migrations),
        ),
        figure("pipeline/raw", round(perSecond / raw.perSecond, 3)),
        figure("efficiency", round((perSecond * tripsPerMigration) / raw.perSecond, 3)),
        ...(refused.length === 0
          ? []
          : [figure("pipeline first refusal", `${refused[0]?.status ?? "?"} ${refused[0]?.error ?? ""}`)]),
      ];
      return indexed ? figures.map((f) => figure(`indexed azurite: ${f.name}`, f.value)) : figures;
    } finally {
      await load?.close();
      await stack.close();
    }
  } finally {
    await services.close();
  }
}

/** Counts the processor's successful invocations from the host's log, and waits for a number of them. */
export function processedCounter() {
  const durations: number[] = [];
  let failed = 0;
  const waiters: { count: number; resolve: () => void }[] = [];
  const log = (entry: HostLogEntry): void => {
    if (entry.kind === "host" && (entry.level === "error" || entry.level === "critical")) {
      process.stderr.write(`host: ${entry.message}\n`);
    }
    if (entry.kind !== "invocation" || entry.functionName !== FUNCTION) return;
    if (entry.outcome === "Failed") {
      failed += 1;
      if (failed <= 3) process.stderr.write(`processor failed: ${entry.error ?? "?"}\n`);
      return;
    }
    durations.push(entry.durationMs);
    for (const waiter of waiters.filter((w) => durations.length >= w.count)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };
  const reach = (count: number, timeoutMs = 300_000): Promise<void> => {
    if (durations.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(
            `only ${durations.length} of ${count} migrations processed (${failed} failures) after ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  };
  return { log, reach, durations };
}

async function countAwaitingTermEnd(store: TableStore, indexes: readonly number[]): Promise<number> {
  const statuses = await mapWithConcurrency(indexes, 16, async (index) => {
    const state = await loadCustomerState(store, customerId(index), { kinds: ["migration"] });
    return [...state.migrations.values()].map((entry) => entry.value.status);
  });
  return statuses.flat().filter((status) => status === "awaiting-term-end").length;
}

/** CPU ms by process (host = this process) over `seconds` with nothing posted. */
async function idleCpu(seconds: number): Promise<Map<string, number>> {
  const cpuBefore = process.cpuUsage();
  const childrenBefore = childrenCpu();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const cpu = process.cpuUsage(cpuBefore);
  return new Map([["host", (cpu.user + cpu.system) / 1000], ...cpuSince(childrenBefore, childrenCpu())]);
}

function meanOfRawUpserts(a: RawUpserts, b: RawUpserts): RawUpserts {
  return {
    perSecond: (a.perSecond + b.perSecond) / 2,
    clientCpuMs: (a.clientCpuMs + b.clientCpuMs) / 2,
    azuriteCpuMs:
      a.azuriteCpuMs === undefined || b.azuriteCpuMs === undefined
        ? undefined
        : (a.azuriteCpuMs + b.azuriteCpuMs) / 2,
  };
}

function busy(cpuMs: number, seconds: number): string {
  return `${Math.round((100 * cpuMs) / (seconds * 1000))}%`;
}

function busOperationsByKind(before: EmulatorStats, after: EmulatorStats, migrations: number): string {
  const counted = ["sendRequests", "deliveries", "settlements", "managementRequests"] as const;
  const kinds = counted.map((kind) => [kind, after.operations[kind] - before.operations[kind]] as const);
  const entities = Object.entries(after.operations.byEntity).map(
    ([entity, count]) => [entity, count - (before.operations.byEntity[entity] ?? 0)] as const,
  );
  return [...kinds, ...entities]
    .filter(([, count]) => count > 0)
    .map(([name, count]) => `${name} ${round(count / migrations, 2)}`)
    .join(", ");
}

function byKind(snapshot: RoundTripSnapshot, migrations: number): string {
  return Object.entries(snapshot.byKind)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${kind} ${round(count / migrations, 3)}`)
    .join(", ");
}
