/**
 * Runs one benchmark of bench/benchmarks.ts in this process and prints its figures (bench/index.ts
 * runs each this way, in a fresh process):
 *
 *   tsx bench/run.ts pipeline [--n 2000] [--placement in-process] [--indexed]
 *   tsx bench/run.ts sweep [--n 100000] [--indexed] | --large   (--large: partition-indexed Azurite)
 *   tsx bench/run.ts sweep-scale-out [--n 1000000]   (1 then 2 host processes serving dist/deploy)
 *   tsx bench/run.ts intake
 *   tsx bench/run.ts cold-start        (the bundle in dist/deploy)
 *   tsx bench/run.ts events [--n 300]   (N migrations without, then N with a webhook subscription)
 *   tsx bench/run.ts partner-center [--n 40]   (N customers onboarded in live mode, local Partner Center)
 *
 * A benchmark of compiled code builds first when dist/ lacks it (lib/build.ts).
 */
import { parseArgs } from "node:util";

import { z } from "zod";

import { BENCHMARK_NAMES, BENCHMARKS, type Benchmark } from "./benchmarks.js";
import { ensureBuilt } from "./lib/build.js";
import { printFigures } from "./lib/figures.js";

const argsSchema = z.object({
  name: z.enum(BENCHMARK_NAMES),
  n: z.coerce.number().int().positive().optional(),
  large: z.boolean(),
  indexed: z.boolean(),
  placement: z.enum(["in-process", "child-process"]),
});

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    n: { type: "string" },
    large: { type: "boolean", default: false },
    indexed: { type: "boolean", default: false },
    placement: { type: "string", default: "child-process" },
  },
});
const args = argsSchema.parse({ ...values, name: positionals[0] });
const benchmark: Benchmark = BENCHMARKS[args.name];

if (benchmark.compiled === true) await ensureBuilt();
printFigures(await benchmark.run(args));
// Clients of the SDKs may keep sockets alive for a while; the figures are out.
process.exit(0);
