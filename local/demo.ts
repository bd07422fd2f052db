/**
 * `npm run demo [-- --url http://localhost:7071/api/] [--operator-key <id:secret>]`: walks one
 * customer through the seeds' story against a running `npm start`, or, when none answers at the
 * default address, against a stack of its own started in this process. Exits 0 only when the
 * migration ends `completed`.
 */
import { parseArgs } from "node:util";
import { z } from "zod";

import { errorMessage } from "../shared/errors.js";
import { runDemo } from "./demoStory.js";
import { checkHealth, describeHealth } from "./health.js";
import { loadOrCreateDevKeys } from "./devKeys.js";
import { mintCustomerToken } from "./identity/index.js";
import { localStateDir } from "./appLocation.js";
import { readPartnerCenterState } from "./partner-center/index.js";
import { startLocalStack, type LocalStack } from "./stack.js";

const USAGE = `Usage: npm run demo -- [--url <base url>] [--operator-key <id:secret>] [--timeout <seconds>]
  --url           a running service, e.g. http://localhost:7071/api/ (default: that address if it
                  answers, else a local stack started for the demo)
  --operator-key  an operator key it holds (default: the first of OPERATOR_KEYS, else the
                  development key npm start made in .local/dev-keys.json)
  --timeout       seconds to wait for each asynchronous step (default 30)
Customers' tokens come from the development identity provider of this checkout; where the service
runs in live mode against the local Partner Center (npm start's default), the customer accepts there.`;

const operatorKeySchema = z
  .string()
  .regex(/^[^:,\s]+:[^,\s]{32,}$/, "must be <id>:<secret>, the secret at least 32 characters")
  .transform((value) => {
    const colon = value.indexOf(":");
    return { keyId: value.slice(0, colon), secret: value.slice(colon + 1) };
  });

const argsSchema = z.object({
  url: z.url({ protocol: /^https?$/ }).optional(),
  "operator-key": operatorKeySchema.optional(),
  timeout: z.coerce.number().positive().max(3600).default(30),
  help: z.boolean(),
});

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      url: { type: "string" },
      "operator-key": { type: "string" },
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
  let operatorKey: { keyId: string; secret: string } =
    args["operator-key"] ??
    operatorKeySchema.safeParse(process.env.OPERATOR_KEYS?.split(",")[0]?.trim()).data ??
    (await loadOrCreateDevKeys().then(({ operatorKey: key }) => ({ keyId: key.id, secret: key.secret })));
  let identity: { stateDir?: string; issuerBase?: string; audience?: string } = {};
  // A running `npm start` says where its local Partner Center is; one started here has its own.
  let partnerCenter = await readPartnerCenterState(localStateDir());
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
    operatorKey = { keyId: stack.operatorKey.id, secret: stack.operatorKey.secret };
    partnerCenter = stack.partnerCenter;
    identity = {
      stateDir: stack.identity.stateDir,
      issuerBase: stack.identity.url,
      audience: stack.identity.audience,
    };
    process.stdout.write(`Local stack at ${baseUrl}.\n\n`);
  }

  try {
    const result = await runDemo({
      baseUrl,
      operatorKey,
      customerToken: (customerId) =>
        mintCustomerToken({
          customerId,
          role: "global-admin",
          user: `megan@${customerId}.example`,
          ...identity,
        }),
      partnerCenter,
      stepTimeoutMs: args.timeout * 1000,
    });
    return result.completed ? 0 : 1;
  } finally {
    await stack?.close();
  }
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
