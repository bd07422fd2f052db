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

/** Entra ID's v2 issuer; the token's tenant stands in for `{tenantid}`. */
export const ENTRA_ISSUER_TEMPLATE = "https://login.microsoftonline.com/{tenantid}/v2.0";

/** Key ids are printable and short; partner keys' ids start with `pk_`, so operator ids may not. */
const KEY_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const MIN_SECRET_LENGTH = 32;

function splitList(raw: string): string[] {
  return raw
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}

/** `id:secret` pairs, comma-separated; ids unique, secrets long enough, no unresolved Key Vault reference. */
function keyList(setting: string) {
  return z
    .string()
    .refine(
      (raw) => !raw.trim().startsWith("@Microsoft.KeyVault("),
      "the Key Vault reference did not resolve",
    )
    .transform((raw, ctx) => {
      const keys: { id: string; secret: string }[] = [];
      for (const entry of splitList(raw)) {
        const colon = entry.indexOf(":");
        const id = colon < 0 ? "" : entry.slice(0, colon);
        const secret = colon < 0 ? "" : entry.slice(colon + 1);
        if (!KEY_ID.test(id) || (setting === "OPERATOR_KEYS" && id.startsWith("pk_"))) {
          ctx.addIssue({
            code: "custom",
            message: `each entry must be <id>:<secret>, the id letters, digits, '.', '_' or '-'${setting === "OPERATOR_KEYS" ? " and not starting with pk_" : ""}`,
          });
        } else if (secret.length < MIN_SECRET_LENGTH) {
          ctx.addIssue({
            code: "custom",
            message: `the secret of ${id} must be at least ${MIN_SECRET_LENGTH} characters`,
          });
        } else if (keys.some((key) => key.id === id)) {
          ctx.addIssue({ code: "custom", message: `${id} is listed twice` });
        } else keys.push({ id, secret });
      }
      if (keys.length === 0 && ctx.issues.length === 0)
        ctx.addIssue({ code: "custom", message: "at least one key is required" });
      return keys;
    });
}

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
  /** The operator's signing keys, `keyId:secret` comma-separated; any may sign (rotation). */
  OPERATOR_KEYS: keyList("OPERATOR_KEYS"),
  /**
   * Master keys the partner keys' secrets are derived from (HKDF), `version:secret` comma-separated;
   * the first issues new keys, the others still verify the keys issued under them.
   */
  PARTNER_KEY_MASTER: keyList("PARTNER_KEY_MASTER"),
  /** The audience customers' Entra ID access tokens must carry: the app registration's id URI. */
  CUSTOMER_TOKEN_AUDIENCE: z.string().trim().min(1),
  /**
   * Issuers whose customer tokens are trusted, comma-separated, `{tenantid}` standing for the token's
   * tenant. Default: Entra ID (v2 tokens). Local stacks only: the Bicep never sets it.
   */
  TRUSTED_TOKEN_ISSUERS: z
    .string()
    .default(ENTRA_ISSUER_TEMPLATE)
    .transform((raw) => splitList(raw))
    .pipe(
      z
        .array(
          z.url().refine((issuer) => issuer.includes("{tenantid}"), "each issuer must contain {tenantid}"),
        )
        .min(1),
    ),
  /** REL-3: days before an unanswered invitation expires. */
  INVITATION_TTL_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /**
   * Bulk migrations submitted per minute, per batch: the pace that keeps what reaches Partner Center
   * within its throttling (per partner tenant, and per partner and customer). 0: unpaced (local runs).
   */
  BULK_MIGRATIONS_PER_MINUTE: z.coerce.number().int().min(0).max(100_000).default(120),
  /**
   * `records` (default): nothing reaches Partner Center and its events are refused; `live`: the
   * service reads Partner Center and Graph as each partner and takes Partner Center's signed events.
   */
  PARTNER_CENTER_MODE: z.enum(["records", "live"]).default("records"),
  /**
   * Live mode: how long a GDAP relationship the service asks for lasts, in ISO 8601 days (Graph
   * takes P1D to P730D).
   */
  DELEGATED_ADMIN_DURATION: z
    .string()
    .regex(/^P\d{1,3}D$/, "must be ISO 8601 days, e.g. P730D")
    .refine((value) => {
      const days = Number(value.slice(1, -1));
      return days >= 1 && days <= 730;
    }, "must be between P1D and P730D")
    .default("P730D"),
  /**
   * MC-3 after Partner Center's 2024 change: `true` moves a licence-based subscription from another
   * CSP partner mid-term by transfer (path `license-transfer`); `false` (default) refuses it (MC-3).
   */
  MIDTERM_LICENSE_TRANSFERS: z
    .enum(["true", "false"])
    .default("false")
    .transform((value) => value === "true"),
  /**
   * Live mode: a transfer from another CSP partner (MC-6, MC-3) is first asked after this long, each
   * next time twice as long (at most an hour between polls, 30 polls in all).
   */
  PARTNER_CENTER_TRANSFER_POLL_SECONDS: z.coerce.number().min(0.1).max(3_600).default(60),
  /**
   * Live mode: a message whose Partner Center call was throttled (429), failed (5xx) or not answered
   * is delivered again later, scheduled (shared/pipeline/queueTrigger.ts): after Retry-After when
   * Partner Center gives one, else after this long, twice as long each next time (with jitter)...
   */
  PARTNER_CENTER_RETRY_FIRST_SECONDS: z.coerce.number().min(0.01).max(3_600).default(30),
  /** ...at most this long between two deliveries... */
  PARTNER_CENTER_RETRY_MAX_SECONDS: z.coerce.number().min(0.01).max(86_400).default(900),
  /** ...and this many deliveries in all, the first included... */
  PARTNER_CENTER_RETRY_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(12),
  /** ...within this long of the first failure; then it is given up (dead-lettered; the sweep: left to the next night). */
  PARTNER_CENTER_RETRY_WINDOW_SECONDS: z.coerce.number().min(1).max(604_800).default(21_600),
  /** Partner Center's REST API. */
  PARTNER_CENTER_ENDPOINT: z.url().default("https://api.partnercenter.microsoft.com"),
  /** Microsoft Graph (delegated admin relationships), without the version. */
  GRAPH_ENDPOINT: z.url().default("https://graph.microsoft.com"),
  /** Where a partner's refresh token is exchanged: `{tenantid}` stands for the partner's tenant. */
  PARTNER_CENTER_TOKEN_ENDPOINT: z
    .url()
    .refine((url) => url.includes("{tenantid}"), "must contain {tenantid}")
    .default("https://login.microsoftonline.com/{tenantid}/oauth2/v2.0/token"),
  /** Origins Partner Center's signing certificate may be fetched from, comma-separated. */
  PARTNER_CENTER_CERTIFICATE_ORIGINS: z
    .string()
    .default("https://api.partnercenter.microsoft.com")
    .transform((raw) => splitList(raw))
    .pipe(z.array(z.url().transform((url) => new URL(url).origin)).min(1)),
  /** The common name the signing certificate's subject must carry. */
  PARTNER_CENTER_CERTIFICATE_SUBJECT: z.string().trim().min(1).default("api.partnercenter.microsoft.com"),
  /** The Key Vault holding partners' Partner Center secrets (Azure), read with the managed identity. */
  KEY_VAULT_URI: z.url().optional(),
  /** Local only: a JSON file of secret name → value standing in for Key Vault. */
  PARTNER_CENTER_SECRETS_FILE: z.string().trim().min(1).optional(),
  /** Webhook targets on loopback and private addresses, over http too: local stacks only (`npm start`), never the Bicep. */
  WEBHOOK_ALLOW_PRIVATE_TARGETS: z
    .enum(["true", "false"])
    .default("false")
    .transform((value) => value === "true"),
  /** A failed delivery's first retry waits this long, each next one twice as long (10 attempts: about a day). */
  WEBHOOK_RETRY_BASE_SECONDS: z.coerce.number().min(0.01).max(86_400).default(170),
  /** How long a receiver may take to answer a delivery. */
  WEBHOOK_TIMEOUT_SECONDS: z.coerce.number().min(0.1).max(60).default(10),
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

export type Service = "tables" | "serviceBus";

const SERVICE_SETTINGS = {
  tables: ["TABLES_CONNECTION", "TABLES_ENDPOINT", "TABLES_PREFIX"],
  serviceBus: ["ServiceBusConnection", "ServiceBusConnection__fullyQualifiedNamespace"],
} as const satisfies Record<Service, readonly (keyof Config)[]>;

export type ConnectionSettings = Pick<
  Config,
  (typeof SERVICE_SETTINGS)[Service][number] | "TABLES_PREFIX" | "AZURE_CLIENT_ID" | "SWEEP_SCHEDULE"
>;

/**
 * Only the settings that reach the given services (and AZURE_CLIENT_ID, the schedule), validated as loadConfig
 * validates them: for tools such as `npm run ops` that need no keys or schedules.
 */
export function loadConnectionSettings(
  env: Readonly<Record<string, string | undefined>>,
  services: readonly Service[],
): ConnectionSettings {
  const names: (keyof Config)[] = ["AZURE_CLIENT_ID", "TABLES_PREFIX", "SWEEP_SCHEDULE"];
  for (const service of services) names.push(...SERVICE_SETTINGS[service]);
  const picked = Object.fromEntries(names.map((name) => [name, emptyToUndefined(env[name])] as const));
  const mask = Object.fromEntries(names.map((name) => [name, true] as const)) as {
    [K in keyof Config]?: true;
  };
  const schema = settingsSchema.pick(mask);
  const parsed = schema.safeParse(picked);
  const problems = [
    ...(parsed.success
      ? []
      : parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`)),
    ...missingConnections(picked).filter((problem) =>
      services.some((service) => problem.startsWith(SERVICE_SETTINGS[service][0])),
    ),
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
