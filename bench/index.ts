/**
 * `npm run bench [-- --large] [-- --n 2000] [-- --scale-n 100000]`: every benchmark, each in a fresh process of its own
 * with its own Azurite and Service Bus emulator, printing plain `name: value` lines. Builds first
 * (the cold-start benchmark imports the compiled app). Figures, not tests: nothing here passes or
 * fails on a number.
 *
 * The benchmarks and what each measures: bench/benchmarks.ts.
 *
 * `--only <name>` runs one. BENCH_PROFILE_DIR=<dir> writes a CPU profile of each timed part.
 */
import { spawn } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import { z } from "zod";

import { BENCHMARK_NAMES, BENCHMARKS, type Benchmark } from "./benchmarks.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const RUNNER = fileURLToPath(new URL("run.ts", import.meta.url));
const argsSchema = z.object({
  n: z
    .string()
    .regex(/^[1-9]\d*$/, "--n must be a positive integer")
    .optional(),
  large: z.boolean(),
  "scale-n": z
    .string()
    .regex(/^[1-9]\d*$/, "--scale-n must be a positive integer")
    .optional(),
  only: z.enum(BENCHMARK_NAMES).optional(),
});

const { values } = parseArgs({
  options: {
    n: { type: "string" },
    large: { type: "boolean", default: false },
    "scale-n": { type: "string" },
    only: { type: "string" },
  },
});
const args = argsSchema.parse(values);

function runProcess(command: string, argv: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      resolve(code ?? (signal === null ? 1 : 128));
    });
  });
}

const started = performance.now();
const line = (name: string, value: string | number) => {
  process.stdout.write(`${name}: ${value}\n`);
};
line(
  "machine",
  `${cpus().length} cores, load average ${loadavg()
    .map((n) => n.toFixed(2))
    .join(" ")}`,
);
line("node", process.version);

const selected = args.only === undefined ? BENCHMARK_NAMES : [args.only];
if (selected.some((name) => (BENCHMARKS[name] as Benchmark).compiled === true)) {
  const build = await runProcess("npm", ["run", "--silent", "build"]);
  line("build exit code", build);
}
let failures = 0;
for (const name of selected) {
  const benchmark: Benchmark = BENCHMARKS[name];
  for (const extra of benchmark.runs) {
    const benchStart = performance.now();
    const argv = ["--import", "tsx", RUNNER, name, ...extra, ...(benchmark.forward?.(args) ?? [])];
    const code = await runProcess(process.execPath, argv);
    if (code !== 0) failures += 1;
    const label = [name, ...extra].join(" ");
    line(`${label} benchmark seconds`, ((performance.now() - benchStart) / 1000).toFixed(1));
    if (code !== 0) line(`${label} benchmark exit code`, code);
  }
}
line("bench total seconds", ((performance.now() - started) / 1000).toFixed(1));
process.exitCode = failures === 0 ? 0 : 1;
