/**
 * The function app's settings in Azure: every setting the code (shared/config.ts) and the host need
 * is present, connections are identity-based, secrets arrive as Key Vault references only, and
 * nothing unknown (a typo) or local-only slips in.
 */
import type { Config } from "../../shared/config.js";
import type { CompiledInfra, Deployment, Finding } from "./arm.js";
import { at, finding, ofType, show, stringsIn } from "./arm.js";

type Plan =
  | { readonly kind: "required"; readonly why: string }
  /** A secret: the value is a Key Vault reference to this secret of the app's vault. */
  | { readonly kind: "keyVaultReference"; readonly secret: string; readonly why: string }
  | { readonly kind: "optional" }
  | { readonly kind: "forbidden"; readonly instead: string };

const explicit = "set explicitly so operators see and change it in one place";

/** How each setting shared/config.ts reads is provided in Azure; typed by its keys, so a new one needs a plan. */
export const AZURE_SETTING_PLAN: Readonly<Record<keyof Config, Plan>> = {
  TABLES_CONNECTION: {
    kind: "forbidden",
    instead: "TABLES_ENDPOINT (a connection string carries the account key)",
  },
  TABLES_ENDPOINT: { kind: "required", why: "Table Storage through the managed identity" },
  TABLES_PREFIX: { kind: "optional" },
  ServiceBusConnection: {
    kind: "forbidden",
    instead: "ServiceBusConnection__fullyQualifiedNamespace (a connection string carries a SAS key)",
  },
  ServiceBusConnection__fullyQualifiedNamespace: {
    kind: "required",
    why: "Service Bus through the managed identity",
  },
  AZURE_CLIENT_ID: { kind: "required", why: "DefaultAzureCredential must pick the user-assigned identity" },
  OPERATOR_KEYS: {
    kind: "keyVaultReference",
    secret: "operator-keys",
    why: "operators cannot call the API without it",
  },
  PARTNER_KEY_MASTER: {
    kind: "keyVaultReference",
    secret: "partner-key-master",
    why: "partner signatures cannot be checked without it",
  },
  CUSTOMER_TOKEN_AUDIENCE: { kind: "required", why: "customers' access tokens cannot be checked without it" },
  TRUSTED_TOKEN_ISSUERS: {
    kind: "forbidden",
    instead: "nothing: it is for local development only, Azure trusts Entra ID alone",
  },
  INVITATION_TTL_DAYS: { kind: "required", why: explicit },
  SWEEP_SCHEDULE: { kind: "required", why: explicit },
};

/** Settings the Functions host (not shared/config.ts) reads, all required. */
const HOST_SETTINGS: Readonly<Record<string, string>> = {
  AzureWebJobsStorage__accountName: "host storage through the managed identity",
  AzureWebJobsStorage__credential: "host storage through the managed identity",
  AzureWebJobsStorage__clientId: "host storage must use the user-assigned identity",
  ServiceBusConnection__credential: "Service Bus triggers through the managed identity",
  ServiceBusConnection__clientId: "Service Bus triggers must use the user-assigned identity",
  APPLICATIONINSIGHTS_CONNECTION_STRING: "telemetry",
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: "telemetry with an Entra ID token (local auth is off)",
};

/** Settings that would hold a key, or that the app no longer reads. */
const FORBIDDEN_HOST_SETTINGS: Readonly<Record<string, string>> = {
  AzureWebJobsStorage: "AzureWebJobsStorage__accountName (a connection string carries the account key)",
  WEBHOOK_SECRETS: "OPERATOR_KEYS and the partner keys (PARTNER_KEY_MASTER): the shared secret is retired",
};

const KEY_VAULT_REFERENCE = "@Microsoft.KeyVault(SecretUri=";

function planOf(name: string): Plan | undefined {
  return Object.hasOwn(AZURE_SETTING_PLAN, name) ? AZURE_SETTING_PLAN[name as keyof Config] : undefined;
}

function valueProblem(name: string, value: string, deployment: Deployment): string | undefined {
  const plan = planOf(name);
  // The snapshot evaluates every parameter but a secure one: what is left is a secret.
  const secure = /\bparameters\('(\w+)'\)/.exec(value)?.[1];
  if (secure !== undefined)
    return `${name} carries the secure parameter ${secure}: secrets reach the app as Key Vault references only`;
  if (name.endsWith("__credential") && value !== "managedidentity")
    return `${name} must be 'managedidentity', found ${show(value)}`;
  if (name === "APPLICATIONINSIGHTS_AUTHENTICATION_STRING" && !value.includes("Authorization=AAD"))
    return `${name} must be 'ClientId=<client id>;Authorization=AAD', found ${show(value)}`;
  if (plan?.kind !== "keyVaultReference") return undefined;
  if (!value.includes(KEY_VAULT_REFERENCE) || !value.includes(`/secrets/${plan.secret}'`))
    return `${name} must be a Key Vault reference '${KEY_VAULT_REFERENCE}...)' to the ${plan.secret} secret, never the secret itself; found ${show(value)}`;
  const secrets = ofType(deployment, "Microsoft.KeyVault/vaults/secrets");
  if (!secrets.some((secret) => secret.name.endsWith(`/${plan.secret}`)))
    return `${name} refers to the secret ${plan.secret}, which no key vault holds`;
  return undefined;
}

function settingProblem(name: string, raw: unknown, deployment: Deployment): string | undefined {
  const plan = planOf(name);
  const instead = plan?.kind === "forbidden" ? plan.instead : FORBIDDEN_HOST_SETTINGS[name];
  if (instead !== undefined) return `app setting ${name} must not be set in Azure: use ${instead}`;
  if (plan === undefined && !Object.hasOwn(HOST_SETTINGS, name))
    return `app setting ${name} is read neither by shared/config.ts nor by the Functions host (a typo?)`;
  return valueProblem(name, stringsIn(raw).join(""), deployment);
}

/** Required settings present, identity-based values, secrets by Key Vault reference, no unknown or forbidden setting. */
export function checkAppSettings(compiled: CompiledInfra): Finding[] {
  const required = [
    ...Object.entries(HOST_SETTINGS),
    ...Object.entries(AZURE_SETTING_PLAN).flatMap(([name, plan]) =>
      "why" in plan ? [[name, plan.why] as const] : [],
    ),
  ];
  return compiled.deployments.flatMap((deployment) => {
    const all = ofType(deployment, "Microsoft.Web/sites/config").filter((config) =>
      config.name.endsWith("/appsettings"),
    );
    if (all.length === 0)
      return [
        finding(
          "app-settings",
          deployment.name,
          "no function app settings are deployed (a Microsoft.Web/sites/config named appsettings)",
        ),
      ];
    return all.flatMap((appSettings) => {
      const settings = (appSettings.properties ?? {}) as Record<string, unknown>;
      const problems = [
        ...required
          .filter(([name]) => !Object.hasOwn(settings, name))
          .map(([name, why]) => `app setting ${name} is missing (${why})`),
        ...Object.entries(settings).flatMap(([name, raw]) => settingProblem(name, raw, deployment) ?? []),
      ];
      return problems.map((message) => finding("app-settings", at(deployment, appSettings), message));
    });
  });
}
