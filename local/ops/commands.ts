/**
 * `npm run ops -- <command>`: parses the command line, reads only the settings the command needs,
 * connects as the app does (connection strings locally, the identity in Azure) and runs it.
 * Results go to stdout; one JSON line per action, naming who ran it, to stderr. Returns the exit code.
 */
import { parseArgs } from "node:util";

import type { ServiceBusClient } from "@azure/service-bus";
import { z } from "zod";

import { ConfigError, loadConnectionSettings, type Service } from "../../shared/config.js";
import { errorMessage } from "../../shared/errors.js";
import { managedIdentityCredential } from "../../shared/identity.js";
import { QUEUES } from "../../shared/messaging/messages.js";
import { createServiceBusClient } from "../../shared/messaging/sender.js";
import { connectionFromConfig, createTableStore } from "../../shared/storage/index.js";
import { auditLog, whoRunsIt, type AuditLog } from "./actor.js";
import {
  listDeadLetters,
  purgeDeadLetters,
  replayDeadLetters,
  showDeadLetter,
  type Selection,
} from "./deadLetters.js";
import { formatStatus, readStatus } from "./status.js";

export const USAGE = `usage:
  npm run ops -- status
  npm run ops -- dead-letters list   --queue <name>
  npm run ops -- dead-letters show   --queue <name> --id <messageId|sequenceNumber>
  npm run ops -- dead-letters replay --queue <name> (--id <id> [--id <id> …] | --all)
  npm run ops -- dead-letters purge  --queue <name> (--id <id> [--id <id> …] | --all) --yes
queues: ${Object.values(QUEUES).join(", ")}
settings: ServiceBusConnection or ServiceBusConnection__fullyQualifiedNamespace; for status also
  TABLES_CONNECTION or TABLES_ENDPOINT (and TABLES_PREFIX, AZURE_CLIENT_ID, SWEEP_SCHEDULE)
`;

export interface OpsIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly now?: () => Date;
}

class UsageError extends Error {}

const queueSchema = z.enum(Object.values(QUEUES) as [string, ...string[]], {
  error: () => `--queue must be one of ${Object.values(QUEUES).join(", ")}`,
});

const commandSchema = z.discriminatedUnion("command", [
  z.object({ command: z.literal("status") }),
  z.object({ command: z.literal("list"), queue: queueSchema }),
  z.object({ command: z.literal("show"), queue: queueSchema, id: z.string().min(1) }),
  z.object({
    command: z.enum(["replay", "purge"]),
    queue: queueSchema,
    ids: z.array(z.string().min(1)),
    all: z.boolean(),
    yes: z.boolean(),
  }),
]);
type Command = z.infer<typeof commandSchema>;

function parseCommand(argv: readonly string[]): Command {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      queue: { type: "string" },
      id: { type: "string", multiple: true },
      all: { type: "boolean", default: false },
      yes: { type: "boolean", default: false },
    },
  });
  const [group, action] = positionals;
  const command = group === "status" ? "status" : group === "dead-letters" ? action : undefined;
  const parsed = commandSchema.safeParse({
    command,
    queue: values.queue,
    id: values.id?.[0],
    ids: values.id ?? [],
    all: values.all,
    yes: values.yes,
  });
  if (!parsed.success) {
    throw new UsageError(parsed.error.issues.map((issue) => issue.message).join("; "));
  }
  const chosen = parsed.data;
  if ((chosen.command === "replay" || chosen.command === "purge") && chosen.all === chosen.ids.length > 0) {
    throw new UsageError(`${chosen.command} needs either --id (one or more) or --all`);
  }
  return chosen;
}

export async function runOps(argv: readonly string[], io: OpsIo): Promise<number> {
  let command: Command;
  try {
    command = parseCommand(argv);
  } catch (error) {
    io.stderr(`${errorMessage(error)}\n${USAGE}`);
    return 2;
  }
  const services: Service[] = command.command === "status" ? ["serviceBus", "tables"] : ["serviceBus"];
  let settings;
  try {
    settings = loadConnectionSettings(io.env, services);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const identity =
    settings.ServiceBusConnection === undefined
      ? await managedIdentityCredential(settings.AZURE_CLIENT_ID)
      : undefined;
  const audit = auditLog(await whoRunsIt(identity), io.stderr);
  const client = await createServiceBusClient(settings);
  try {
    if (command.command === "status") {
      const store = createTableStore({
        connection: connectionFromConfig(settings),
        prefix: settings.TABLES_PREFIX,
      });
      const status = await readStatus(
        client,
        store,
        settings.SWEEP_SCHEDULE,
        (io.now ?? (() => new Date()))(),
      );
      audit("status", {});
      io.stdout(formatStatus(status));
      return 0;
    }
    return await deadLetters(client, command, io, audit);
  } finally {
    await client.close();
  }
}

async function deadLetters(
  client: ServiceBusClient,
  command: Exclude<Command, { command: "status" }>,
  io: OpsIo,
  audit: AuditLog,
): Promise<number> {
  const { queue } = command;
  switch (command.command) {
    case "list": {
      const letters = await listDeadLetters(client, queue);
      audit("dead-letters.list", { queue, count: letters.length });
      io.stdout(`${JSON.stringify(letters, null, 2)}\n`);
      return 0;
    }
    case "show": {
      const letter = await showDeadLetter(client, queue, command.id);
      audit("dead-letters.show", { queue, id: command.id, found: letter !== undefined });
      if (letter === undefined) {
        io.stderr(`no dead letter ${command.id} on ${queue}\n`);
        return 1;
      }
      io.stdout(`${JSON.stringify(letter, null, 2)}\n`);
      return 0;
    }
    case "replay":
    case "purge": {
      const selection: Selection = command.all ? { all: true } : { ids: command.ids };
      if (command.command === "purge" && !command.yes) {
        audit("dead-letters.purge.refused", { queue, ...selection, reason: "no --yes" });
        io.stderr(`purge deletes dead letters for good: run it again with --yes\n`);
        return 2;
      }
      const settled =
        command.command === "replay"
          ? await replayDeadLetters(client, queue, selection, audit)
          : await purgeDeadLetters(client, queue, selection, audit);
      io.stdout(`${JSON.stringify(settled, null, 2)}\n`);
      const missing = "ids" in selection ? selection.ids.length - settled.length : 0;
      if (missing > 0) io.stderr(`${missing} of the ids named were not dead letters on ${queue}\n`);
      return settled.some((item) => item.outcome === "failed") || missing > 0 ? 1 : 0;
    }
  }
}
