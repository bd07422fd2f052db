/**
 * A benchmark helper process (bench/workers/*.ts) run with tsx and spoken to over IPC: one request
 * at a time, each answered by one message. Keeps load generators and the Service Bus broker off the
 * event loop of the process under test, as they would be in Azure.
 */
import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

import type { z } from "zod";

export interface Child {
  /** Sends a request and resolves with the child's answer, parsed with `schema`. */
  ask<T>(request: unknown, schema: z.ZodType<T>): Promise<T>;
  close(): Promise<void>;
}

export async function startChild<T>(
  worker: string,
  ready: z.ZodType<T>,
): Promise<{ child: Child; ready: T }> {
  const file = fileURLToPath(new URL(`../workers/${worker}.ts`, import.meta.url));
  const process_: ChildProcess = fork(file, [], {
    execArgv: ["--import", "tsx", ...profileArgs(worker)],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let pending: ((message: unknown) => void) | undefined;
  const exited = new Promise<void>((resolve) => {
    process_.once("exit", () => {
      resolve();
    });
  });
  process_.on("message", (message) => {
    const resolve = pending;
    pending = undefined;
    resolve?.(message);
  });
  const next = () =>
    new Promise<unknown>((resolve, reject) => {
      pending = resolve;
      void exited.then(() => {
        reject(new Error(`bench worker ${worker} exited`));
      });
    });
  const first = ready.parse(await next());
  const child: Child = {
    ask: async (request, schema) => {
      const answer = next();
      process_.send(request as object);
      return schema.parse(await answer);
    },
    close: async () => {
      if (process_.exitCode === null && process_.signalCode === null) process_.kill("SIGTERM");
      await exited;
    },
  };
  return { child, ready: first };
}

/**
 * With BENCH_PROFILE_DIR set, each helper writes a `.cpuprofile` of its whole life into `<dir>/<helper>/` as it exits
 * (setup and warm-up included, unlike the benchmark's own timed-part profile): the emulator's CPU
 * counts towards a migration's, so it is profiled too.
 */
function profileArgs(worker: string): string[] {
  const folder = process.env.BENCH_PROFILE_DIR;
  if (folder === undefined || folder === "") return [];
  return [
    "--cpu-prof",
    // A folder per helper: tsx's loader thread writes a (nearly idle) profile of its own beside it.
    `--cpu-prof-dir=${path.join(folder, worker)}`,
    "--cpu-prof-interval=500",
  ];
}

/** In a worker: answers each request from the parent with `handle`'s result. */
export function serveParent(handle: (request: unknown) => Promise<unknown>): void {
  process.on("message", (request) => {
    handle(request).then(
      (answer) => process.send?.(answer as object),
      (error: unknown) => {
        process.stderr.write(`bench worker failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  });
  process.on("SIGTERM", () => process.exit(0));
  // The benchmark is gone (or crashed): so is this helper.
  process.on("disconnect", () => process.exit(0));
}
