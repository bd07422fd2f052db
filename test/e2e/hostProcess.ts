/**
 * The local Functions host as a process of its own (hostProcessMain.ts under tsx), for tests that
 * crash it: SIGKILL ends it with no shutdown, nothing settled and its message locks left to expire,
 * as when an Azure Functions instance dies; `restart` starts it again on the same port and settings
 * (or with some changed). Give `start` to startLocalStack as `startHost`; the stack's `close` stops it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";

import type {
  FunctionSummary,
  HostLogEntry,
  LocalHost,
  StartLocalHostOptions,
} from "../../local/host/index.js";

export const REPORT_PREFIX = "@host-process ";

export type HostProcessReport =
  | {
      readonly kind: "started";
      readonly url: string;
      readonly port: number;
      readonly functions: FunctionSummary[];
    }
  | { readonly kind: "log"; readonly entry: HostLogEntry };

const MAIN = path.join(import.meta.dirname, "hostProcessMain.ts");

export interface HostProcess {
  /** What startLocalStack calls to start the host. */
  readonly start: (options: StartLocalHostOptions) => Promise<LocalHost>;
  /** SIGKILLs the running host; resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts the host again (after `kill`, or closing the running one first), with `env` over its settings. */
  restart(env?: Readonly<Record<string, string>>): Promise<void>;
}

export function hostProcess(): HostProcess {
  let options: StartLocalHostOptions | undefined;
  let child: ChildProcess | undefined;
  let log: (entry: HostLogEntry) => void = () => undefined;

  const exited = (running: ChildProcess) =>
    running.exitCode !== null || running.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          running.once("exit", () => {
            resolve();
          });
        });

  async function launch(): Promise<Extract<HostProcessReport, { kind: "started" }>> {
    const { log: _log, app: _app, ...serializable } = options ?? {};
    const running = spawn(process.execPath, ["--import", "tsx", MAIN], {
      env: { ...process.env, HOST_PROCESS_OPTIONS: JSON.stringify(serializable) },
      stdio: ["pipe", "pipe", "pipe"],
    });
    child = running;
    let stderr = "";
    running.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    const lines = createInterface({ input: running.stdout });
    return new Promise((resolve, reject) => {
      running.once("exit", (code, signal) => {
        reject(new Error(`the host process exited (${String(code ?? signal)}) before it started: ${stderr}`));
      });
      lines.on("line", (line) => {
        if (!line.startsWith(REPORT_PREFIX)) return;
        const report = JSON.parse(line.slice(REPORT_PREFIX.length)) as HostProcessReport;
        if (report.kind === "log") log(report.entry);
        else resolve(report);
      });
    });
  }

  async function stop(signal: "SIGTERM" | "SIGKILL"): Promise<void> {
    const running = child;
    if (running === undefined) return;
    child = undefined;
    running.kill(signal);
    await exited(running);
  }

  return {
    start: async (given) => {
      if (typeof given.log === "function") log = given.log;
      options = given;
      const started = await launch();
      // Again on the same port, so the stack's base URL holds across restarts.
      options = { ...given, port: started.port };
      return {
        url: started.url,
        port: started.port,
        functions: started.functions,
        close: () => stop("SIGTERM"),
      };
    },
    kill: () => stop("SIGKILL"),
    restart: async (env = {}) => {
      await stop("SIGTERM");
      options = { ...options, env: { ...options?.env, ...env } };
      await launch();
    },
  };
}
