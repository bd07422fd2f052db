/**
 * Runs one benchmark in this process and prints its figures (bench/index.ts runs each this way, in
 * a fresh process):
 *
 *   tsx bench/run.ts pipeline [--n 2000] [--placement in-process] [--indexed]
 *   tsx bench/run.ts sweep [--n 100000] [--indexed] | --large   (--large: partition-indexed Azurite)
 *   tsx bench/run.ts sweep-scale-out [--n 1000000]   (after npm run build; 1 then 2 host processes)
 *   tsx bench/run.ts intake
 *   tsx bench/run.ts cold-start        (after npm run build)
 */
import { parseArgs } from "node:util";

import { z } from "zod";

import { coldStartBench } from "./coldStart.js";
import { intakeBench } from "./intake.js";
import { printFigures, type Figure } from "./lib/figures.js";
import { pipelineBench } from "./pipeline.js";
import { sweepBench } from "./sweep.js";
import { sweepScaleOutBench } from "./sweepScaleOut.js";

const argsSchema = z.object({
  name: z.enum(["pipeline", "sweep", "sweep-scale-out", "intake", "cold-start"]),
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

async function figures(): Promise<Figure[]> {
  switch (args.name) {
    case "pipeline":
      return pipelineBench({
        migrations: args.n ?? 2_000,
        placement: args.placement,
        azurite: args.indexed ? "indexed" : "stock",
      });
    case "sweep":
      // The million only on partition-indexed Azurite: stock Azurite's table scans would take hours.
      return sweepBench({
        sizes:
          args.n !== undefined ? [args.n] : args.large ? [10_000, 100_000, 1_000_000] : [10_000, 100_000],
        azurite: args.large || args.indexed ? "indexed" : "stock",
      });
    case "sweep-scale-out":
      return sweepScaleOutBench({ subscriptions: args.n ?? 1_000_000 });
    case "intake":
      return intakeBench();
    case "cold-start":
      return coldStartBench();
  }
}

printFigures(await figures());
// Clients of the SDKs may keep sockets alive for a while; the figures are out.
process.exit(0);
