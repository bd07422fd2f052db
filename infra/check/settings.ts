/**
 * The function app's settings in Azure: every setting the code (shared/config.ts) and the host need
 * is present, connections are identity-based, secrets arrive as Key Vault references only, and
 * nothing unknown (a typo) or local-only slips in.
 */
import type { Config } from "../../shared/config.js";
import { at, ofType, ownName, perDeployment, show, stringsIn } from "./arm.js";

type Plan =
  | { readonly kind: "required"; readonly why: string }
  /** A secret: the value is a Key Vault reference to this secret of the app's vault. */
  | { readonly kind: "keyVaultReference"; readonly secret: string; readonly why: string }
  | { readonly kind: "optional" }
  | { readonly kind: "forbidden"; readonly instead: string };

const required = (why: string): Plan => ({ kind: "required", why });
const forbidden = (instead: string): Plan => ({ kind: "forbidden", instead });
const secret = (name: string, why: string): Plan => ({ kind: "keyVaultReference", secret: name, why });
const explicit = required("set explicitly so operators see and change it in one place");
const identity = "must use the user-assigned identity";

/** How each setting shared/config.ts reads is provided in Azure; typed by its keys, so a new one needs a plan. */
export const AZURE_SETTING_PLAN: Readonly<Record<keyof Config, Plan>> = {
  TABLES_CONNECTION: forbidden("TABLES_ENDPOINT (a connection string carries the account key)"),
  TABLES_ENDPOINT: required("Table Storage through the managed identity"),
  TABLES_PREFIX: { kind: "optional" },
  ServiceBusConnection: forbidden(
    "ServiceBusConnection__fullyQualifiedNamespace (a connection string carries a SAS key)",
  ),
  ServiceBusConnection__fullyQualifiedNamespace: required("Service Bus through the managed identity"),
  AZURE_CLIENT_ID: required(`DefaultAzureCredential ${identity}`),
  OPERATOR_KEYS: secret("operator-keys", "operators cannot call the API without it"),
  PARTNER_KEY_MASTER: secret("partner-key-master", "partner signatures cannot be checked without it"),
  CUSTOMER_TOKEN_AUDIENCE: required("customers' access tokens cannot be checked without it"),
  TRUSTED_TOKEN_ISSUERS: forbidden("nothing: it is for local development only, Azure trusts Entra ID alone"),
  INVITATION_TTL_DAYS: explicit,
  SWEEP_SCHEDULE: explicit,
  BULK_MIGRATIONS_PER_MINUTE: { kind: "optional" },
  PARTNER_CENTER_MODE: required("whether the service reaches Partner Center is stated, never implied"),
  PARTNER_CENTER_ENDPOINT: { kind: "optional" },
  DELEGATED_ADMIN_DURATION: { kind: "optional" },
  MIDTERM_LICENSE_TRANSFERS: { kind: "optional" },
  PARTNER_CENTER_TRANSFER_POLL_SECONDS: { kind: "optional" },
  PARTNER_CENTER_RETRY_FIRST_SECONDS: { kind: "optional" },
  PARTNER_CENTER_RETRY_MAX_SECONDS: { kind: "optional" },
  PARTNER_CENTER_RETRY_ATTEMPTS: { kind: "optional" },
  PARTNER_CENTER_RETRY_WINDOW_SECONDS: { kind: "optional" },
  GRAPH_ENDPOINT: { kind: "optional" },
  PARTNER_CENTER_TOKEN_ENDPOINT: { kind: "optional" },
  PARTNER_CENTER_CERTIFICATE_ORIGINS: { kind: "optional" },
  PARTNER_CENTER_CERTIFICATE_SUBJECT: { kind: "optional" },
  KEY_VAULT_URI: required("partners' Partner Center secrets are read from it in live mode"),
  PARTNER_CENTER_SECRETS_FILE: forbidden("KEY_VAULT_URI: the secrets file is for local development only"),
  WEBHOOK_ALLOW_PRIVATE_TARGETS: forbidden(
    "nothing: loopback and private webhook targets are for local stacks only (npm start)",
  ),
  WEBHOOK_RETRY_BASE_SECONDS: { kind: "optional" },
  WEBHOOK_TIMEOUT_SECONDS: { kind: "optional" },
};

/** The settings the Functions host reads, and those that would hold a key or that nothing reads any more. */
const HOST_SETTING_PLAN: Readonly<Record<string, Plan>> = {
  AzureWebJobsStorage__accountName: required("host storage through the managed identity"),
  AzureWebJobsStorage__credential: required("host storage through the managed identity"),
  AzureWebJobsStorage__clientId: required(`host storage ${identity}`),
  ServiceBusConnection__credential: required("Service Bus triggers through the managed identity"),
  ServiceBusConnection__clientId: required(`Service Bus triggers ${identity}`),
  APPLICATIONINSIGHTS_CONNECTION_STRING: required("telemetry"),
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: required("telemetry with an Entra ID token (local auth is off)"),
  AzureWebJobsStorage: forbidden(
    "AzureWebJobsStorage__accountName (a connection string carries the account key)",
  ),
  WEBHOOK_SECRETS: forbidden(
    "OPERATOR_KEYS and the partner keys (PARTNER_KEY_MASTER): the shared secret is retired",
  ),
};

const PLANS: Readonly<Record<string, Plan>> = { ...HOST_SETTING_PLAN, ...AZURE_SETTING_PLAN };
const KEY_VAULT_REFERENCE = "@Microsoft.KeyVault(SecretUri=";

function problem(name: string, value: string, secrets: readonly string[]): string | undefined {
  const plan = Object.hasOwn(PLANS, name) ? PLANS[name] : undefined;
  // The snapshot evaluates every parameter but a secure one: what is left is a secret.
  const secure = /\bparameters\('(\w+)'\)/.exec(value)?.[1];
  if (plan === undefined)
    return `app setting ${name} is read neither by shared/config.ts nor by the Functions host (a typo?)`;
  if (plan.kind === "forbidden") return `app setting ${name} must not be set in Azure: use ${plan.instead}`;
  if (secure !== undefined)
    return `${name} carries the secure parameter ${secure}: secrets reach the app as Key Vault references only`;
  if (name.endsWith("__credential") && value !== "managedidentity")
    return `${name} must be 'managedidentity', found ${show(value)}`;
  if (name === "APPLICATIONINSIGHTS_AUTHENTICATION_STRING" && !value.includes("Authorization=AAD"))
    return `${name} must be 'ClientId=<client id>;Authorization=AAD', found ${show(value)}`;
  if (plan.kind !== "keyVaultReference") return undefined;
  if (!value.includes(KEY_VAULT_REFERENCE) || !value.includes(`/secrets/${plan.secret}'`))
    return `${name} must be a Key Vault reference '${KEY_VAULT_REFERENCE}...)' to the ${plan.secret} secret, never the secret itself; found ${show(value)}`;
  if (!secrets.includes(plan.secret))
    return `${name} refers to the secret ${plan.secret}, which no key vault holds`;
  return undefined;
}

/** Required settings present, identity-based values, secrets by Key Vault reference, no unknown or forbidden setting. */
export const checkAppSettings = perDeployment("app-settings", function* (deployment) {
  const all = ofType(deployment, "Microsoft.Web/sites/config").filter((config) =>
    config.name.endsWith("/appsettings"),
  );
  if (all.length === 0)
    yield [
      deployment.name,
      "no function app settings are deployed (a Microsoft.Web/sites/config named appsettings)",
    ];
  const secrets = ofType(deployment, "Microsoft.KeyVault/vaults/secrets").map(({ name }) => ownName(name));
  for (const appSettings of all) {
    const settings = (appSettings.properties ?? {}) as Record<string, unknown>;
    for (const [name, plan] of Object.entries(PLANS)) {
      if ("why" in plan && !Object.hasOwn(settings, name))
        yield [at(deployment, appSettings), `app setting ${name} is missing (${plan.why})`];
    }
    for (const [name, raw] of Object.entries(settings)) {
      const found = problem(name, stringsIn(raw).join(""), secrets);
      if (found !== undefined) yield [at(deployment, appSettings), found];
    }
  }
});
