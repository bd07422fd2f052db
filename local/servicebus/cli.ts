/**
 * `npm run servicebus -- --port 5672`: the emulator in the foreground with the project's topology.
 * Prints the connection string on a line of its own, each entity's counts on SIGUSR2, and stops
 * cleanly (exit 0) on SIGINT or SIGTERM.
 */
import { parseArgs } from "node:util";
import { z } from "zod";

import { errorMessage } from "../../shared/errors.js";
import { startServiceBusEmulator } from "./emulator.js";
import { DEFAULT_TOPOLOGY_PATH } from "./topology.js";

const USAGE = `Usage: npm run servicebus -- [--port 5672] [--host 127.0.0.1] [--topology <file>]
                                  [--key-name <name>] [--key <key>] [--quiet]
  --port      TCP port (0 picks a free one); default 5672, Service Bus's AMQP port
  --host      loopback address to listen on; default 127.0.0.1
  --topology  queues to serve; default ${DEFAULT_TOPOLOGY_PATH}
  --key-name  SAS key name; default RootManageSharedAccessKey (the official emulator's)
  --key       SAS key; default SAS_KEY_VALUE (the official emulator's)
  --quiet     do not log refused links and tokens
Send SIGUSR2 (kill -USR2 <pid>) to print each queue's message counts.`;

const argumentsSchema = z.object({
  port: z.coerce.number().pipe(z.int().min(0).max(65535)),
  host: z.string().optional(),
  topology: z.string().optional(),
  "key-name": z.string().optional(),
  key: z.string().optional(),
  quiet: z.boolean(),
  help: z.boolean(),
});

function timestamp(): string {
  return new Date().toISOString();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "5672" },
      host: { type: "string" },
      topology: { type: "string" },
      "key-name": { type: "string" },
      key: { type: "string" },
      quiet: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const parsed = argumentsSchema.safeParse(values);
  if (!parsed.success) {
    console.error(
      `${parsed.error.issues.map((issue) => `--${issue.path.join(".")}: ${issue.message}`).join("\n")}\n${USAGE}`,
    );
    process.exit(2);
  }
  const options = parsed.data;
  if (options.help) {
    console.log(USAGE);
    return;
  }

  const emulator = await startServiceBusEmulator({
    port: options.port,
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.topology === undefined ? {} : { topology: options.topology }),
    ...(options["key-name"] === undefined ? {} : { keyName: options["key-name"] }),
    ...(options.key === undefined ? {} : { key: options.key }),
    log: (line) => {
      if (!options.quiet) console.error(`${timestamp()} ${line}`);
    },
  });
  console.log(`Service Bus emulator listening on ${emulator.host}:${emulator.port} (pid ${process.pid}).`);
  console.log(emulator.connectionString);
  console.log(`Send SIGUSR2 for message counts; Ctrl+C to stop.`);

  process.on("SIGUSR2", () => {
    const { entities, operations, totalOperations } = emulator.stats();
    for (const [name, counts] of Object.entries(entities)) {
      console.log(
        `${timestamp()} ${name}: active=${counts.active} locked=${counts.locked} scheduled=${counts.scheduled} ` +
          `deferred=${counts.deferred} deadLettered=${counts.deadLettered}`,
      );
    }
    console.log(
      `${timestamp()} operations: total=${totalOperations} sends=${operations.sendRequests} ` +
        `deliveries=${operations.deliveries} settlements=${operations.settlements} ` +
        `management=${operations.managementRequests} connections=${operations.connections}`,
    );
  });

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`${timestamp()} ${signal}: stopping.`);
    void emulator.close().then(() => {
      process.exit(0);
    });
  };
  process.on("SIGINT", () => {
    stop("SIGINT");
  });
  process.on("SIGTERM", () => {
    stop("SIGTERM");
  });
}

main().catch((error: unknown) => {
  console.error(errorMessage(error));
  process.exit(1);
});
