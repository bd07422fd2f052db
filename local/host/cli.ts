/**
 * `tsx local/host/cli.ts [--root <dir>] [--main <glob>] [--port <n>] [--hostname <h>] [--quiet|--verbose]`
 *
 * Runs a function app like `func start`. SIGINT/SIGTERM stop it gracefully (running invocations
 * finish, up to 10 s) and exit 0; a second signal exits at once with 1.
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { errorMessage } from "../../shared/errors.js";
import { consoleLogger, quietLogger } from "./logging.js";
import { startLocalHost } from "./localHost.js";

const argsSchema = z.object({
  root: z.string().optional(),
  main: z.string().optional(),
  port: z
    .string()
    .regex(/^\d+$/, "must be a port number")
    .transform(Number)
    .pipe(z.number().int().min(0).max(65535))
    .optional(),
  hostname: z.string().optional(),
  quiet: z.boolean().optional(),
  verbose: z.boolean().optional(),
});

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      root: { type: "string" },
      main: { type: "string" },
      port: { type: "string" },
      hostname: { type: "string" },
      quiet: { type: "boolean" },
      verbose: { type: "boolean" },
    },
    strict: true,
  });
  const args = argsSchema.parse(values);
  const host = await startLocalHost({
    ...(args.root === undefined ? {} : { rootDir: args.root }),
    ...(args.main === undefined ? {} : { main: args.main }),
    ...(args.port === undefined ? {} : { port: args.port }),
    ...(args.hostname === undefined ? {} : { hostname: args.hostname }),
    log:
      args.quiet === true
        ? quietLogger
        : consoleLogger({ minLevel: args.verbose === true ? "debug" : "information" }),
  });
  process.stdout.write(`Host listening on ${host.url}. Press Ctrl+C to stop.\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`${signal} again: exiting without waiting.\n`);
      process.exit(1);
    }
    stopping = true;
    process.stdout.write(`${signal}: stopping (running invocations may finish)...\n`);
    host.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`Shutdown failed: ${errorMessage(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${errorMessage(error)}\n`);
  process.exit(1);
});
