/**
 * The sweep spread over instances: one seed of N subscriptions (default 1,000,000; 1% due on each
 * of four nights, one item in each tenth customer: 10,000 due customers a night at the default size)
 * on partition-indexed Azurite; the nights swept by 1, 2, 2 and 1 host processes (so that a later
 * night's drift weighs on both sides alike), each host serving the deployment bundle (dist/deploy)
 * with host.json's 16 messages at a time. A night is what the timer does — queueSweep reads the due
 * index and queues one message per customer — until the hosts have taken every message off
 * customer-sweeps, and the index then holds nothing due for it. Wall times and the ratio of the
 * sums; needs `npm run build` first (bench/index.ts runs it).
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { resetConfigForTests } from "../shared/config.js";
import { QUEUES } from "../shared/messaging/messages.js";
import { closeServiceBus, sendSweepMessages } from "../shared/messaging/sender.js";
import { queueSweep, type QueueSweepRuntime } from "../shared/pipeline/sweep.js";
import { listDue } from "../shared/storage/index.js";
import { figure, round, type Figure } from "./lib/figures.js";
import { childrenCpu, cpuSince } from "./lib/processCpu.js";
import { startBenchServices, type BenchServices } from "./lib/services.js";
import { nightAsOf, seedSweepWorld } from "./lib/sweepWorld.js";

const ROOT = path.resolve(fileURLToPath(new URL("..", import.meta.url)));
const PREFIX = "benchscale";
/** Never fires during a run: the bench starts each sweep itself, as the timer would. */
const NO_TIMER = "0 0 0 1 1 *";
/** Host processes per night: ABBA. */
const HOSTS_BY_NIGHT = [1, 2, 2, 1] as const;

export async function sweepScaleOutBench(options: { subscriptions: number }): Promise<Figure[]> {
  const services = await startBenchServices({ azurite: "indexed" });
  try {
    const store = services.store(PREFIX);
    const seedStart = performance.now();
    const world = await seedSweepWorld(store, options.subscriptions, {
      nights: HOSTS_BY_NIGHT.length,
      concurrency: 32,
      onProgress: (done) => {
        if (done % 20_000 === 0) process.stderr.write(`sweep scale-out: ${done} customers seeded\n`);
      },
    });
    const seedSeconds = (performance.now() - seedStart) / 1000;
    process.stderr.write(`sweep scale-out: seeded in ${round(seedSeconds, 1)} s\n`);
    // The hosts' settings, and this process's for its sends.
    Object.assign(process.env, { ...services.appSettings(PREFIX), SWEEP_SCHEDULE: NO_TIMER });
    resetConfigForTests();
    const runtime: QueueSweepRuntime = { store, now: () => new Date(), sendSweeps: sendSweepMessages };

    const nights: Night[] = [];
    for (const [night, hosts] of HOSTS_BY_NIGHT.entries()) {
      const swept = await sweepWith(hosts, nightAsOf(night), services, runtime);
      nights.push(swept);
      process.stderr.write(
        `sweep scale-out: night ${night + 1} by ${hosts} host(s): ${round(swept.seconds, 1)} s\n`,
      );
    }
    const secondsWith = (hosts: number) =>
      nights.filter((night) => night.hosts === hosts).reduce((sum, night) => sum + night.seconds, 0);
    const name = `sweep scale-out ${options.subscriptions}`;
    return [
      figure(`${name} seed seconds`, round(seedSeconds, 1)),
      figure(`${name} due customers per night`, world.dueCustomers),
      ...nights.map((night, index) =>
        figure(
          `${name} night ${index + 1} by ${night.hosts} host(s)`,
          `${night.queued} customers queued, ${round(night.seconds, 1)} s; CPU busy ${busy(night)}`,
        ),
      ),
      figure(`${name} by 1 host seconds (mean of 2 nights)`, round(secondsWith(1) / 2, 1)),
      figure(`${name} by 2 hosts seconds (mean of 2 nights)`, round(secondsWith(2) / 2, 1)),
      figure("sweep scale-out 2/1", round(secondsWith(2) / secondsWith(1), 2)),
    ];
  } finally {
    await closeServiceBus();
    await services.close();
  }
}

interface Night {
  readonly hosts: number;
  readonly seconds: number;
  readonly queued: number;
  /** CPU ms by process (the hosts summed) while the night ran. */
  readonly cpuMs: ReadonlyMap<string, number>;
}

/** Each process's share of one core over the night: what bounds the sweep. */
function busy(night: Night): string {
  return ["host", "azurite", "emulator"]
    .map((name) => `${name} ${Math.round((100 * (night.cpuMs.get(name) ?? 0)) / (night.seconds * 1000))}%`)
    .join(", ");
}

async function sweepWith(
  hosts: number,
  asOf: Date,
  services: BenchServices,
  runtime: QueueSweepRuntime,
): Promise<Night> {
  const running = await Promise.all(Array.from({ length: hosts }, startHost));
  try {
    const cpuBefore = childrenCpu();
    const start = performance.now();
    const report = await queueSweep({ asOf, by: "bench", runtime });
    await drained(services);
    const seconds = (performance.now() - start) / 1000;
    const cpuMs = cpuSince(cpuBefore, childrenCpu());
    const left = await listDue(runtime.store, "term-end", asOf.toISOString());
    if (left.length > 0) throw new Error(`${left.length} due entries left after the sweep by ${hosts}`);
    return { hosts, seconds, queued: report.queued ?? 0, cpuMs };
  } finally {
    await Promise.all(running.map(stopHost));
  }
}

/** Until customer-sweeps holds no message, available or locked. */
async function drained(services: BenchServices): Promise<void> {
  for (;;) {
    const counts = (await services.busStats()).entities[QUEUES.sweeps];
    if (counts !== undefined && counts.active === 0 && counts.locked === 0) return;
    if (counts !== undefined && counts.deadLettered > 0) throw new Error("sweep messages dead-lettered");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** One Functions host process serving the deployment bundle, on a port of its own. */
function startHost(): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      path.join(ROOT, "dist", "local", "host", "cli.js"),
      "--root",
      path.join(ROOT, "dist", "deploy"),
      "--port",
      "0",
      "--quiet",
    ],
    { cwd: ROOT, env: process.env, stdio: ["ignore", "pipe", "inherit"] },
  );
  return new Promise((resolve, reject) => {
    let seen = "";
    child.stdout.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes("Host listening on")) resolve(child);
    });
    child.once("exit", (code) => {
      reject(new Error(`a bench host exited (${code ?? "signal"}) before listening: ${seen}`));
    });
  });
}

function stopHost(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) {
      resolve();
      return;
    }
    child.once("exit", () => {
      resolve();
    });
    child.kill("SIGTERM");
  });
}
