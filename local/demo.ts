/**
 * `npm run demo [-- --url http://localhost:7071/api/] [--secret <webhook secret>]`: walks one
 * customer through the seeds' story against a running `npm start`, or, when none answers at the
 * default address, against a stack of its own started in this process. Exits 0 only when the
 * migration ends `completed`.
 */
import { parseArgs } from "node:util";
import { z } from "zod";

import { errorMessage } from "../shared/errors.js";
import { runDemo } from "./demoStory.js";
import { checkHealth, describeHealth } from "./health.js";
import { startLocalStack, type LocalStack } from "./stack.js";
import { DEV_WEBHOOK_SECRET } from "./stackSettings.js";

const USAGE = `Usage: npm run demo -- [--url <base url>] [--secret <webhook secret>] [--timeout <seconds>]
  --url      a running service, e.g. http://localhost:7071/api/ (default: that address if it
             answers, else a local stack started for the demo)
  --secret   the webhook secret it holds (default: the first of WEBHOOK_SECRETS, else the
             development secret npm start uses)
  --timeout  seconds to wait for each asynchronous step (default 30)`;

const argsSchema = z.object({
  url: z.url({ protocol: /^https?$/ }).optional(),
  secret: z.string().min(16, "must be at least 16 characters").optional(),
  timeout: z.coerce.number().positive().max(3600).default(30),
  help: z.boolean(),
});

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      url: { type: "string" },
      secret: { type: "string" },
      timeout: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `--${issue.path.join(".")}: ${issue.message}`);
    process.stderr.write(`${problems.join("\n")}\n${USAGE}\n`);
    return 2;
  }
  const args = parsed.data;
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  const target = withTrailingSlash(args.url ?? `http://localhost:${process.env.PORT?.trim() || "7071"}/api/`);
  const health = await checkHealth(target, { attemptTimeoutMs: 1_500 });
  let stack: LocalStack | undefined;
  let baseUrl = target;
  let secret = args.secret ?? firstSecret(process.env.WEBHOOK_SECRETS) ?? DEV_WEBHOOK_SECRET;
  if (health.kind === "answered") {
    if (health.status !== 200) {
      process.stderr.write(`The service at ${target} is not healthy: ${describeHealth(health)}\n`);
      return 1;
    }
    process.stdout.write(`Using the service at ${target}.\n\n`);
  } else if (args.url !== undefined) {
    process.stderr.write(`Nothing answers at ${target}: ${describeHealth(health)}\n`);
    return 1;
  } else {
    process.stdout.write(`Nothing answers at ${target}; starting a local stack for the demo...\n`);
    stack = await startLocalStack({ port: 0, quiet: true });
    baseUrl = stack.baseUrl;
    secret = stack.webhookSecret;
    process.stdout.write(`Local stack at ${baseUrl}.\n\n`);
  }

  try {
    const result = await runDemo({ baseUrl, secret, stepTimeoutMs: args.timeout * 1000 });
    return result.completed ? 0 : 1;
  } finally {
    await stack?.close();
  }
}

function firstSecret(raw: string | undefined): string | undefined {
  return raw
    ?.split(",")
    .map((secret) => secret.trim())
    .find((secret) => secret.length > 0);
}

function withTrailingSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

main().then(
  (code) => {
    process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`\nThe demo failed: ${errorMessage(error)}\n`);
    process.exit(1);
  },
);
