/**
 * Runs one benchmark in this process and prints its figures:
 *   tsx bench/run.ts <pipeline|sweep|intake|cold-start> [--n N] [--large] [--placement in-process]
 * `npm run bench` (bench/index.ts) runs each in a fresh process of its own.
 */
import { parseArgs } from "node:util";

import { printFigures } from "./lib/figures.js";
import { intakeBench } from "./intake.js";
import { pipelineBench } from "./pipeline.js";
import { sweepBench } from "./sweep.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    n: { type: "string" },
    large: { type: "boolean", default: false },
    placement: { type: "string", default: "child-process" },
  },
});
const [name] = positionals;
const placement = values.placement === "in-process" ? "in-process" : "child-process";

switch (name) {
  case "pipeline":
    printFigures(await pipelineBench({ migrations: Number(values.n ?? "2000"), placement }));
    break;
  case "intake":
    printFigures(await intakeBench());
    break;
  case "sweep":
    printFigures(
      await sweepBench({
        sizes: values.n !== undefined ? [Number(values.n)] : values.large ? [10_000, 100_000, 1_000_000] : [10_000, 100_000],
      }),
    );
    break;
  default:
    throw new Error(`unknown benchmark "${name ?? ""}"`);
}
process.exit(0);
