/**
 * `npm run token -- --customer <customerId>`: a customer administrator's access token from the
 * development identity provider's key, alone on stdout (`TOKEN=$(npm run -s token -- --customer c1)`).
 * Works offline: it only reads (or first creates) the checkout's key file; the provider need not run.
 */
import { parseArgs } from "node:util";
import { z } from "zod";

import { ENTRA_ROLE_IDS } from "../shared/auth/entraRoles.js";
import { errorMessage } from "../shared/errors.js";
import { mintCustomerToken } from "./identity/index.js";
import { isTenantId } from "./identity/issuerUrls.js";

const ROLES = [...(Object.keys(ENTRA_ROLE_IDS) as (keyof typeof ENTRA_ROLE_IDS)[]), "none"] as const;

const USAGE = `Usage: npm run token -- --customer <customerId> [--role ${ROLES.join("|")}] [--user <upn>]
                         [--minutes N] [--audience A] [--state-dir <dir>]
  --customer   the customer's tenant id (tid); 1–100 letters, digits, '.', '-', '_'
  --role       the directory role in wids; default global-admin ("none": no wids)
  --user       the user's UPN; default admin@<customerId>.example
  --minutes    lifetime, 1–1440; default 60
  --audience   aud; default CUSTOMER_TOKEN_AUDIENCE, else api://csp-onboarding-local
  --state-dir  folder of the provider's key file; default .local in this checkout`;

const argumentsSchema = z.strictObject({
  customer: z
    .string({ error: "is required" })
    .refine(isTenantId, "must be 1–100 letters, digits, '.', '-' or '_'"),
  role: z.enum(ROLES).optional(),
  user: z.string().min(1).optional(),
  minutes: z.coerce.number().pipe(z.int().min(1).max(1440)).optional(),
  audience: z.string().min(1).optional(),
  "state-dir": z.string().min(1).optional(),
});

function usageError(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

function readArguments(): z.infer<typeof argumentsSchema> | "help" {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        customer: { type: "string" },
        role: { type: "string" },
        user: { type: "string" },
        minutes: { type: "string" },
        audience: { type: "string" },
        "state-dir": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    usageError(errorMessage(error));
  }
  const { help, ...rest } = values;
  if (help === true) return "help";
  const parsed = argumentsSchema.safeParse(rest);
  if (!parsed.success)
    usageError(parsed.error.issues.map((issue) => `--${issue.path.join(".")}: ${issue.message}`).join("\n"));
  return parsed.data;
}

async function main(): Promise<void> {
  const options = readArguments();
  if (options === "help") {
    console.log(USAGE);
    return;
  }
  const token = await mintCustomerToken({
    customerId: options.customer,
    ...(options.role === undefined ? {} : { role: options.role }),
    ...(options.user === undefined ? {} : { user: options.user }),
    ...(options.minutes === undefined ? {} : { expiresInSeconds: options.minutes * 60 }),
    ...(options.audience === undefined ? {} : { audience: options.audience }),
    ...(options["state-dir"] === undefined ? {} : { stateDir: options["state-dir"] }),
  });
  console.log(token);
}

main().catch((error: unknown) => {
  console.error(errorMessage(error));
  process.exit(1);
});
