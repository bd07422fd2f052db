/**
 * Intake latency: POST /api/migrations over real HTTP to the local stack's host (the whole app,
 * processors included, from its sources), at 1, 16 and 64 requests in flight, from a load generator
 * in a process of its own. Each request is a new migration of its own customer; p50, p99 and every
 * answer that is not 202.
 */
import { figure, percentile, round, type Figure } from "./lib/figures.js";
import { seedBenchPartnerKey } from "./lib/http.js";
import { startLoadGenerator } from "./lib/load.js";
import { childrenCpu, cpuSince } from "./lib/processCpu.js";
import { startProfiling } from "./lib/profile.js";
import { startBenchServices } from "./lib/services.js";
import { customerId, PARTNER_ID, putReference, seedMigratableCustomers } from "./lib/world.js";

export interface IntakeOptions {
  readonly levels?: readonly { readonly concurrency: number; readonly requests: number }[];
  readonly warmUp?: number;
}

const PREFIX = "benchintake";
const DAY_MS = 86_400_000;
const DEFAULT_LEVELS = [
  { concurrency: 1, requests: 300 },
  { concurrency: 16, requests: 1_000 },
  { concurrency: 64, requests: 1_000 },
];

export async function intakeBench(options: IntakeOptions = {}): Promise<Figure[]> {
  const levels = options.levels ?? DEFAULT_LEVELS;
  const warmUp = options.warmUp ?? 100;
  const total = warmUp + levels.reduce((sum, level) => sum + level.requests, 0);
  const services = await startBenchServices();
  const now = new Date();
  try {
    const setupStore = services.store(PREFIX);
    await putReference(setupStore);
    await seedBenchPartnerKey(setupStore);
    await seedMigratableCustomers(setupStore, total, {
      termEnd: new Date(now.getTime() + 120 * DAY_MS),
      now,
    });
    const { startLocalStack } = await import("../local/stack.js");
    const stack = await startLocalStack({
      port: 0,
      env: services.appSettings(PREFIX),
      localSettingsPath: false,
      // The intake alone: the processor would compete for the same two cores (in Azure it scales
      // out on instances of its own); its messages wait in the emulator.
      main: "functions/postMigration.ts",
      log: () => undefined,
    });
    const load = await startLoadGenerator();
    try {
      const url = new URL("migrations", stack.baseUrl).href;
      let next = 0;
      const batch = (count: number, concurrency: number) => {
        const posts = Array.from({ length: count }, (_, i) => ({
          partnerId: PARTNER_ID,
          customerId: customerId(next + i),
          subscriptionId: "sub-1",
          key: `intake-${next + i}`,
        }));
        next += count;
        return load.run({ url, concurrency, posts });
      };
      await batch(warmUp, 16);
      const figures: Figure[] = [
        figure(
          "intake path",
          "signed HTTP POST /api/migrations → local host serving postMigration (from its sources; processors not loaded), load generator in a process of its own",
        ),
      ];
      for (const level of levels) {
        const cpuBefore = process.cpuUsage();
        const childrenBefore = childrenCpu();
        const profiling = await startProfiling(`intake-${level.concurrency}`);
        const { answers, seconds } = await batch(level.requests, level.concurrency);
        await profiling.stop();
        const cpu = process.cpuUsage(cpuBefore);
        const children = cpuSince(childrenBefore, childrenCpu());
        const latencies = answers.map((answer) => answer.ms);
        const errors = answers.filter((answer) => answer.status !== 202);
        const name = `intake ${level.concurrency} in flight`;
        const busy = (ms: number) => `${Math.round((100 * ms) / (seconds * 1000))}%`;
        const hostCpuMs = (cpu.user + cpu.system) / 1000;
        figures.push(
          figure(`${name} requests`, level.requests),
          figure(`${name} p50 ms`, round(percentile(latencies, 50), 1)),
          figure(`${name} p99 ms`, round(percentile(latencies, 99), 1)),
          figure(`${name} errors`, errors.length),
          figure(`${name} requests per second`, round(level.requests / seconds, 1)),
          figure(`${name} host CPU ms per request`, round(hostCpuMs / level.requests, 2)),
          figure(
            `${name} CPU busy`,
            [
              `host ${busy((cpu.user + cpu.system) / 1000)}`,
              ...[...children].map(([n, ms]) => `${n} ${busy(ms)}`),
            ].join(", "),
          ),
          ...(errors.length === 0
            ? []
            : [figure(`${name} first error`, `${errors[0]?.status ?? "?"} ${errors[0]?.error ?? ""}`)]),
        );
      }
      return figures;
    } finally {
      await load.close();
      await stack.close();
    }
  } finally {
    await services.close();
  }
}
