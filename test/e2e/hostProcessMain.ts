/**
 * The child side of hostProcess.ts: starts the local Functions host with the options in
 * HOST_PROCESS_OPTIONS and reports on stdout, a JSON line each, that it started and every log entry.
 * SIGTERM closes it as `func start` closes (running invocations finish); SIGKILL is the crash.
 */
import { startLocalHost, type StartLocalHostOptions } from "../../local/host/index.js";
import { errorMessage } from "../../shared/errors.js";
import { REPORT_PREFIX, type HostProcessReport } from "./hostProcess.js";

const report = (line: HostProcessReport) => process.stdout.write(`${REPORT_PREFIX}${JSON.stringify(line)}\n`);

async function main(): Promise<void> {
  const options = JSON.parse(process.env.HOST_PROCESS_OPTIONS ?? "{}") as StartLocalHostOptions;
  const host = await startLocalHost({ ...options, log: (entry) => report({ kind: "log", entry }) });
  report({ kind: "started", url: host.url, port: host.port, functions: [...host.functions] });
  // The test process gone (its end of stdin closed): so is this host, never left running.
  process.stdin.once("close", () => process.exit(1));
  process.stdin.resume();
  process.once("SIGTERM", () => {
    host.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${errorMessage(error)}\n`);
  process.exit(1);
});
