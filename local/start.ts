/**
 * `npm start` (after the build): the whole service on this machine. Prints the base URL, the
 * operator key, signed curls to register a partner and issue its key, and how to get a customer
 * token; SIGINT/SIGTERM stop everything and exit 0, a second signal (a second Ctrl+C, more than a
 * second later) exits at once with 1.
 *
 *   PORT=7071 OPERATOR_KEYS=... node dist/local/start.js [--persist] [--quiet]
 */
import { parseArgs } from "node:util";
import { z } from "zod";

import { EXAMPLE_PARTNER_BODY, EXAMPLE_PARTNER_ID, signedCurlCommand } from "./curlExample.js";
import { errorMessage } from "../shared/errors.js";
import { checkHealth, describeHealth } from "./health.js";
import { startLocalStack, type LocalStack } from "./stack.js";

const USAGE = `Usage: npm start -- [--persist] [--quiet]
  --persist  keep Table Storage data in .azurite/ across runs (default: in memory)
  --quiet    log only failures
Environment: PORT (default 7071), HOST (default 127.0.0.1), OPERATOR_KEYS and PARTNER_KEY_MASTER
(default: development keys kept in .local/dev-keys.json), TABLES_CONNECTION / ServiceBusConnection
to use those services instead of starting local ones, PARTNER_CENTER_MODE / PARTNER_CENTER_ENDPOINT
to use no local Partner Center (on 7074 by default, live mode pointed at it).`;

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
    process.stdout.write(
      `${signal}: stopping the host, the local Partner Center, the Service Bus emulator and Azurite...\n`,
    );
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
  const keyNote = stack.ownOperatorKey
    ? "the stack's development key, kept in .local/dev-keys.json, since OPERATOR_KEYS is unset"
    : "the first of OPERATOR_KEYS";
  const tables =
    stack.tables.kind === "external"
      ? "TABLES_CONNECTION / TABLES_ENDPOINT from the environment"
      : `Azurite ${stack.tables.persistedAt === undefined ? "in memory" : `persisted in ${stack.tables.persistedAt}`}, ${stack.tables.connectionString}`;
  const serviceBus =
    stack.serviceBus.kind === "external"
      ? "ServiceBusConnection from the environment"
      : `emulator, ${stack.serviceBus.connectionString}`;
  const partnerCenter =
    stack.partnerCenter === undefined
      ? "not started (PARTNER_CENTER_MODE or PARTNER_CENTER_ENDPOINT is set)"
      : `${stack.partnerCenter.url} (live mode points at it; test controls: local/partner-center/README.md)`;
  const operator = { baseUrl: stack.baseUrl, keyId: stack.operatorKey.id, secret: stack.operatorKey.secret };
  return `
CSP onboarding is running locally (ready in ${seconds} s).

  Base URL           ${stack.baseUrl}
  Operator key       ${stack.operatorKey.id}:${stack.operatorKey.secret}
                     (${keyNote})
  Health             ${health}
  Table Storage      ${tables}
  Service Bus        ${serviceBus}
  Identity provider  ${stack.identity.url} (customers' tokens; trusted by this local stack only)
  Partner Center     ${partnerCenter}

As the operator, register a partner, then issue its portal a key (paste into a POSIX shell):

${signedCurlCommand({ ...operator, method: "PUT", path: `partners/${EXAMPLE_PARTNER_ID}`, body: EXAMPLE_PARTNER_BODY })}

${signedCurlCommand({ ...operator, method: "POST", path: `admin/partners/${EXAMPLE_PARTNER_ID}/keys` })}

The answer's keyId and secret sign the partner's own requests the same way. A customer's
administrator answers an invitation with a token: npm run token -- --customer <customerId>
then POST /api/relationships/<id>/acceptance with "Authorization: Bearer <token>".

Walk one customer through a whole migration: npm run demo
Press Ctrl+C to stop.
`;
}

main().catch((error: unknown) => {
  process.stderr.write(`${errorMessage(error)}\n`);
  process.exit(1);
});
