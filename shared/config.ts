/**
 * Every setting the app reads, validated once. A missing or malformed setting fails at start with
 * a message naming it, instead of a crash somewhere later.
 */
import { z } from "zod";

const connectionString = z
  .string()
  .trim()
  .min(1)
  .refine((value) => value.includes("="), "must be a connection string (Key=Value;...)");

const settingsSchema = z.object({
  /** Table Storage by connection string: Azurite or the emulator's well-known development key. */
  TABLES_CONNECTION: connectionString.optional(),
  /** Table Storage in Azure, reached with the managed identity (DefaultAzureCredential). */
  TABLES_ENDPOINT: z.url().optional(),
  /** Prefix for every table name, so tests and benchmarks can share one Azurite. */
  TABLES_PREFIX: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9]{0,29}$/, "must be letters and digits, starting with a letter")
    .default(""),
  /** Service Bus by connection string (locally: the project's emulator). */
  ServiceBusConnection: connectionString.optional(),
  /** Service Bus in Azure, reached with the managed identity. */
  ServiceBusConnection__fullyQualifiedNamespace: z
    .string()
    .regex(/^[A-Za-z0-9.-]+$/, "must be a host name like <namespace>.servicebus.windows.net")
    .optional(),
  /** Client id of the user-assigned managed identity, when the app has one. */
  AZURE_CLIENT_ID: z.string().min(1).optional(),
  /** Shared secrets for webhook signatures, comma-separated; any may match (rotation). */
  WEBHOOK_SECRETS: z
    .string()
    .transform((raw) =>
      raw
        .split(",")
        .map((secret) => secret.trim())
        .filter((secret) => secret.length > 0),
    )
    .pipe(
      z
        .array(
          z
            .string()
            .min(16, "each secret must be at least 16 characters")
            // An unresolved Key Vault reference arrives as its own text: never accept it as a secret.
            .refine(
              (secret) => !secret.startsWith("@Microsoft.KeyVault("),
              "the Key Vault reference did not resolve",
            ),
        )
        .min(1),
    ),
  /** Operator API keys, comma-separated keyId:secret pairs (the Trust issue validates them). */
  OPERATOR_KEYS: z.string().optional(),
  /** Master key the per-partner signing keys are derived from (the Trust issue validates it). */
  PARTNER_KEY_MASTER: z.string().optional(),
  /** Audience customers' Entra ID access tokens must carry. */
  CUSTOMER_TOKEN_AUDIENCE: z.string().optional(),
  /** Local development only: token issuers trusted besides Entra ID. */
  TRUSTED_TOKEN_ISSUERS: z.string().optional(),
  /** REL-3: days before an unanswered invitation expires. */
  INVITATION_TTL_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /** NCRONTAB (six fields) for the nightly sweep. */
  SWEEP_SCHEDULE: z
    .string()
    .refine((value) => value.trim().split(/\s+/).length === 6, "must be a six-field NCRONTAB expression")
    .default("0 0 2 * * *"),
});

export type Config = z.infer<typeof settingsSchema>;

/** The names of every setting the app reads; the infra check makes sure Azure sets the ones it needs. */
export const SETTING_NAMES = Object.keys(settingsSchema.shape) as readonly (keyof Config)[];

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid settings:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Validates settings from an environment; throws ConfigError naming every bad setting. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const picked = Object.fromEntries(
    SETTING_NAMES.map((name) => [name, emptyToUndefined(env[name])] as const),
  );
  const parsed = settingsSchema.safeParse(picked);
  const problems = [
    ...(parsed.success
      ? []
      : parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`)),
    ...missingConnections(picked),
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  return parsed.data;
}

let cached: Config | undefined;

/** The process's settings, read from process.env once. */
export function getConfig(): Config {
  cached ??= loadConfig(process.env);
  return cached;
}

/** Forgets the cached settings; for tests and the local host, which set the environment first. */
export function resetConfigForTests(): void {
  cached = undefined;
}

/** Each service needs one of its two ways to connect. */
function missingConnections(settings: Readonly<Record<string, string | undefined>>): string[] {
  const problems: string[] = [];
  if (settings.TABLES_CONNECTION === undefined && settings.TABLES_ENDPOINT === undefined) {
    problems.push(
      "TABLES_CONNECTION: set TABLES_CONNECTION (a connection string) or TABLES_ENDPOINT (for the managed identity)",
    );
  }
  if (
    settings.ServiceBusConnection === undefined &&
    settings.ServiceBusConnection__fullyQualifiedNamespace === undefined
  ) {
    problems.push(
      "ServiceBusConnection: set ServiceBusConnection (a connection string) or ServiceBusConnection__fullyQualifiedNamespace (for the managed identity)",
    );
  }
  return problems;
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}
