/**
 * `npm run bench [-- --large] [-- --n 2000]`: every benchmark, each in a fresh process of its own
 * with its own Azurite and Service Bus emulator, printing plain `name: value` lines. Builds first
 * (the cold-start benchmark imports the compiled app). Figures, not tests: nothing here passes or
 * fails on a number.
 *
 *   pipeline     N migrations from signed webhook to awaiting-term-end, vs raw upserts (same Azurite);
 *                again on partition-indexed Azurite (lib/indexedAzurite.ts)
 *   sweep        10,000 and 100,000 subscriptions, 1% due (--large: 10k, 100k and 1M on partition-indexed Azurite)
 *   sweep-scale-out  1,000,000 subscriptions (--scale-n to change), 10,000 due customers a night, swept by
 *                1 and by 2 host processes serving the bundle, on partition-indexed Azurite
 *   intake       POST /api/migrations latency at 1, 16 and 64 in flight
 *   cold-start   importing the compiled app vs an app of one empty HTTP function
 *
 * `--only <name>` runs one. BENCH_PROFILE_DIR=<dir> writes a CPU profile of each timed part.
 */
import { spawn } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import { z } from "zod";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const RUNNER = fileURLToPath(new URL("run.ts", import.meta.url));
const BENCHMARKS = ["pipeline", "sweep", "sweep-scale-out", "intake", "cold-start"] as const;
/** Each benchmark's runs: the pipeline also on partition-indexed Azurite, to show what stock Azurite's table scans cost. */
const RUNS: Record<(typeof BENCHMARKS)[number], readonly (readonly string[])[]> = {
  pipeline: [[], ["--indexed"]],
  sweep: [[]],
  "sweep-scale-out": [[]],
  intake: [[]],
  "cold-start": [[]],
};

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
  only: z.enum(BENCHMARKS).optional(),
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

const selected = args.only === undefined ? BENCHMARKS : [args.only];
if (selected.includes("cold-start") || selected.includes("sweep-scale-out")) {
  const build = await runProcess("npm", ["run", "--silent", "build"]);
  line("build exit code", build);
}
let failures = 0;
for (const name of selected) {
  for (const extra of RUNS[name]) {
    const benchStart = performance.now();
    const argv = [
      "--import",
      "tsx",
      RUNNER,
      name,
      ...extra,
      ...(name === "pipeline" && args.n !== undefined ? ["--n", args.n] : []),
      ...(name === "sweep" && args.large ? ["--large"] : []),
      ...(name === "sweep-scale-out" && args["scale-n"] !== undefined ? ["--n", args["scale-n"]] : []),
    ];
    const code = await runProcess(process.execPath, argv);
    if (code !== 0) failures += 1;
    const label = [name, ...extra].join(" ");
    line(`${label} benchmark seconds`, ((performance.now() - benchStart) / 1000).toFixed(1));
    if (code !== 0) line(`${label} benchmark exit code`, code);
  }
}
line("bench total seconds", ((performance.now() - started) / 1000).toFixed(1));
process.exitCode = failures === 0 ? 0 : 1;
