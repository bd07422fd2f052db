/**
 * Every benchmark, in the order `npm run bench` runs them. To add one: write its module (a function
 * returning Figure[]), add an entry here — how bench/run.ts calls it, which runs bench/index.ts
 * makes and which of its own flags it forwards — and a line to the README's benchmark table. The
 * modules load only when their benchmark runs, so bench/index.ts stays light.
 */
import type { Figure } from "./lib/figures.js";
import type { Placement } from "./lib/services.js";

/** bench/run.ts's arguments, as each benchmark reads them. */
export interface RunArgs {
  readonly n?: number;
  readonly large: boolean;
  readonly indexed: boolean;
  readonly placement: Placement;
}

/** bench/index.ts's flags that a benchmark may take on. */
export interface SuiteArgs {
  readonly n?: string;
  readonly large: boolean;
  readonly "scale-n"?: string;
}

export interface Benchmark {
  /** One line for bench/index.ts's usage. */
  readonly about: string;
  /** bench/run.ts arguments of each run `npm run bench` makes, each in a fresh process. */
  readonly runs: readonly (readonly string[])[];
  /** Runs compiled code (dist/): `npm run bench` builds first; bench/run.ts builds when it is absent. */
  readonly compiled?: boolean;
  /** The suite's flags this benchmark takes, as bench/run.ts arguments. */
  forward?(args: SuiteArgs): readonly string[];
  run(args: RunArgs): Promise<Figure[]>;
}

export const BENCHMARKS = {
  pipeline: {
    about:
      "N migrations (--n, default 2,000) from signed webhook to awaiting-term-end vs raw upserts, on stock and on partition-indexed Azurite",
    runs: [[], ["--indexed"]],
    forward: (args) => (args.n === undefined ? [] : ["--n", args.n]),
    run: async (args) =>
      (await import("./pipeline.js")).pipelineBench({
        migrations: args.n ?? 2_000,
        placement: args.placement,
        azurite: args.indexed ? "indexed" : "stock",
      }),
  },
  sweep: {
    about: "10,000 and 100,000 subscriptions, 1% due (--large: and 1,000,000, on partition-indexed Azurite)",
    runs: [[]],
    forward: (args) => (args.large ? ["--large"] : []),
    // The million only on partition-indexed Azurite: stock Azurite's table scans would take hours.
    run: async (args) =>
      (await import("./sweep.js")).sweepBench({
        sizes:
          args.n !== undefined ? [args.n] : args.large ? [10_000, 100_000, 1_000_000] : [10_000, 100_000],
        azurite: args.large || args.indexed ? "indexed" : "stock",
      }),
  },
  "sweep-scale-out": {
    about:
      "1,000,000 subscriptions (--scale-n to change), 10,000 due customers a night, swept by 1 and by 2 host processes serving the bundle, partition-indexed Azurite",
    runs: [[]],
    compiled: true,
    forward: (args) => (args["scale-n"] === undefined ? [] : ["--n", args["scale-n"]]),
    run: async (args) =>
      (await import("./sweepScaleOut.js")).sweepScaleOutBench({ subscriptions: args.n ?? 1_000_000 }),
  },
  intake: {
    about: "POST /api/migrations latency at 1, 16 and 64 in flight",
    runs: [[]],
    run: async () => (await import("./intake.js")).intakeBench(),
  },
  "cold-start": {
    about: "importing the deployment bundle vs an app of one empty HTTP function",
    runs: [[]],
    compiled: true,
    run: async () => (await import("./coldStart.js")).coldStartBench(),
  },
  portfolio: {
    about:
      "a customer-map page of 100 of 100,000 customers (BENCH_PORTFOLIO_MAP_CUSTOMERS to change); a 5,000-item bulk migration end to end; partition-indexed Azurite",
    runs: [[]],
    run: async () => (await import("./portfolio.js")).portfolioBench(),
  },
  events: {
    about:
      "N migrations (--n, default 300) each way, without and with a webhook subscription to a loopback receiver: events delivered per second, and the table round trips and Service Bus operations the outbox and a subscription add per migration",
    runs: [[]],
    forward: (args) => (args.n === undefined ? [] : ["--n", args.n]),
    run: async (args) => (await import("./events.js")).eventsBench({ migrations: args.n ?? 300 }),
  },
  "partner-center": {
    about:
      "N customers (--n, default 40) onboarded in live mode against the local Partner Center — relationship request with delegated admin, acceptance there, a licence migration: Partner Center calls per migration, by kind, counted from its request log",
    runs: [[]],
    forward: (args) => (args.n === undefined ? [] : ["--n", args.n]),
    run: async (args) =>
      (await import("./partnerCenter.js")).partnerCenterBench({ migrations: args.n ?? 40 }),
  },
} as const satisfies Record<string, Benchmark>;

export type BenchmarkName = keyof typeof BENCHMARKS;
export const BENCHMARK_NAMES = Object.keys(BENCHMARKS) as [BenchmarkName, ...BenchmarkName[]];
