/**
 * `npm start` (after the build): the whole service on this machine. Prints the base URL, the
 * webhook secret and a signed curl to try; SIGINT/SIGTERM stop everything and exit 0, a second
 * signal (a second Ctrl+C, more than a second later) exits at once with 1.
 *
 *   PORT=7071 WEBHOOK_SECRETS=... node dist/local/start.js [--persist] [--quiet]
 */
import { parseArgs } from "node:util";
import { z } from "zod";

import { signedCurlCommand } from "./curlExample.js";
import { errorMessage } from "../shared/errors.js";
import { checkHealth, describeHealth } from "./health.js";
import { startLocalStack, type LocalStack } from "./stack.js";
import { DEV_WEBHOOK_SECRET } from "./stackSettings.js";

const USAGE = `Usage: npm start -- [--persist] [--quiet]
  --persist  keep Table Storage data in .azurite/ across runs (default: in memory)
  --quiet    log only failures
Environment: PORT (default 7071), WEBHOOK_SECRETS (default: the development secret),
TABLES_CONNECTION / ServiceBusConnection to use those services instead of starting local ones.`;

const portSchema = z
  .string()
  .regex(/^\d+$/, "must be a port number")
  .transform(Number)
  .pipe(z.number().int().min(0).max(65_535));

const HEALTH_WAIT_MS = 15_000;
/** A repeated signal this soon after the first is the same request to stop, not a second one. */
const REPEAT_SIGNAL_GRACE_MS = 1_000;

async function main(): Promise<void> {
  const startedAt = performance.now();
  const { values } = parseArgs({
    options: {
      persist: { type: "boolean", default: false },
      quiet: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const rawPort = process.env.PORT?.trim();
  const port = rawPort === undefined || rawPort === "" ? 7071 : parsePort(rawPort);

  const stack = await startLocalStack({ port, persist: values.persist, quiet: values.quiet });
  let stoppingSince: number | undefined;
  const stop = (signal: NodeJS.Signals): void => {
    if (stoppingSince !== undefined) {
      // npm forwards the terminal's Ctrl+C to its child, which already had it: one press, two signals.
      if (performance.now() - stoppingSince < REPEAT_SIGNAL_GRACE_MS) return;
      process.stderr.write(`${signal} again: exiting without waiting.\n`);
      process.exit(1);
    }
    stoppingSince = performance.now();
    process.stdout.write(`${signal}: stopping the host, the Service Bus emulator and Azurite...\n`);
    stack.close().then(
      () => {
        process.stdout.write("Stopped.\n");
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`Shutdown failed: ${errorMessage(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  const health = await checkHealth(stack.baseUrl, { waitMs: HEALTH_WAIT_MS });
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  process.stdout.write(banner(stack, describeHealth(health), seconds));
}

function parsePort(raw: string): number {
  const parsed = portSchema.safeParse(raw);
  if (!parsed.success)
    throw new Error(`PORT: ${parsed.error.issues[0]?.message ?? "invalid"} (got "${raw}")`);
  return parsed.data;
}

function banner(stack: LocalStack, health: string, seconds: string): string {
  const secretNote =
    stack.webhookSecret === DEV_WEBHOOK_SECRET
      ? " (the development secret: WEBHOOK_SECRETS is unset)"
      : " (the first of WEBHOOK_SECRETS)";
  const tables =
    stack.tables.kind === "external"
      ? "TABLES_CONNECTION / TABLES_ENDPOINT from the environment"
      : `Azurite ${stack.tables.persistedAt === undefined ? "in memory" : `persisted in ${stack.tables.persistedAt}`}, ${stack.tables.connectionString}`;
  const serviceBus =
    stack.serviceBus.kind === "external"
      ? "ServiceBusConnection from the environment"
      : `emulator, ${stack.serviceBus.connectionString}`;
  return `
CSP onboarding is running locally (ready in ${seconds} s).

  Base URL        ${stack.baseUrl}
  Webhook secret  ${stack.webhookSecret}${secretNote}
  Health          ${health}
  Table Storage   ${tables}
  Service Bus     ${serviceBus}

Sign a request as a partner portal must (PUT a partner; paste into a POSIX shell):

${signedCurlCommand({ baseUrl: stack.baseUrl, secret: stack.webhookSecret })}

Walk one customer through a whole migration: npm run demo
Press Ctrl+C to stop.
`;
}

main().catch((error: unknown) => {
  process.stderr.write(`${errorMessage(error)}\n`);
  process.exit(1);
});
