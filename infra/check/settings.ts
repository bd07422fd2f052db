/**
 * The function app's settings in Azure: every setting the code needs (from shared/config.ts) and the
 * host needs is present, connections are identity-based, secrets arrive as Key Vault references
 * only, and nothing unknown (a typo) or local-only slips in.
 */
import { SETTING_NAMES } from "../../shared/config.js";
import type { Config } from "../../shared/config.js";
import type { ArmResource, CompiledInfra, Deployment } from "./arm.js";
import { describeResource, ofType, stringsIn } from "./arm.js";
import type { Finding } from "./findings.js";
import { finding } from "./findings.js";
import { show } from "./security.js";

type Plan =
  | { readonly kind: "required"; readonly why: string }
  /** A secret: the value is a Key Vault reference to this secret of the app's vault. */
  | { readonly kind: "keyVaultReference"; readonly secret: string; readonly why: string }
  | { readonly kind: "optional" }
  | { readonly kind: "forbidden"; readonly instead: string };

/**
 * How each setting shared/config.ts reads is provided in Azure. Typed by the config's keys, so a
 * setting added there does not compile here until it has a plan.
 */
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
  INVITATION_TTL_DAYS: {
    kind: "required",
    why: "set explicitly so operators see and change it in one place",
  },
  SWEEP_SCHEDULE: { kind: "required", why: "set explicitly so operators see and change it in one place" },
  BULK_MIGRATIONS_PER_MINUTE: { kind: "optional" },
};

/** Settings the Functions host (not shared/config.ts) reads, all required. */
export const HOST_SETTINGS: Readonly<Record<string, string>> = {
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

/** Every name shared/config.ts reads has a plan (guards a config change the type system did not see). */
export function unplannedSettings(): string[] {
  return SETTING_NAMES.filter((name) => !Object.hasOwn(AZURE_SETTING_PLAN, name));
}

function planOf(name: string): Plan | undefined {
  return Object.hasOwn(AZURE_SETTING_PLAN, name) ? AZURE_SETTING_PLAN[name as keyof Config] : undefined;
}

function requiredSettings(): Map<string, string> {
  const required = new Map<string, string>(Object.entries(HOST_SETTINGS));
  for (const [name, plan] of Object.entries(AZURE_SETTING_PLAN)) {
    if (plan.kind === "required" || plan.kind === "keyVaultReference") required.set(name, plan.why);
  }
  return required;
}

/** Names of the secure parameters of the template and of every module in it. */
export function secureParameterNames(template: unknown): Set<string> {
  const names = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value !== "object" || value === null) return;
    if (Array.isArray(value)) {
      value.forEach(visit);
      return;
    }
    for (const [key, child] of Object.entries(value)) {
      if (key === "parameters" && typeof child === "object" && child !== null) {
        for (const [name, declaration] of Object.entries(child as Record<string, unknown>)) {
          const type = (declaration as { type?: unknown }).type;
          if (typeof type === "string" && type.toLowerCase().startsWith("secure")) names.add(name);
        }
      }
      visit(child);
    }
  };
  visit(template);
  return names;
}

function valueProblem(name: string, value: string, deployment: Deployment): string | undefined {
  const plan = planOf(name);
  if (name.endsWith("__credential") && value !== "managedidentity") {
    return `${name} must be 'managedidentity', found ${show(value)}`;
  }
  if (plan?.kind === "keyVaultReference") {
    const vaultSecret = ofType(deployment, "Microsoft.KeyVault/vaults/secrets").find((secret) =>
      secret.name.endsWith(`/${plan.secret}`),
    );
    if (!value.includes(KEY_VAULT_REFERENCE) || !value.includes(`/secrets/${plan.secret}'`)) {
      return `${name} must be a Key Vault reference '${KEY_VAULT_REFERENCE}...)' to the ${plan.secret} secret, never the secret itself; found ${show(value)}`;
    }
    if (vaultSecret === undefined)
      return `${name} refers to the secret ${plan.secret}, which no key vault holds`;
  }
  if (name === "APPLICATIONINSIGHTS_AUTHENTICATION_STRING" && !value.includes("Authorization=AAD")) {
    return `${name} must be 'ClientId=<client id>;Authorization=AAD', found ${show(value)}`;
  }
  return undefined;
}

function settingsFindings(
  deployment: Deployment,
  appSettings: ArmResource,
  secureNames: Set<string>,
): Finding[] {
  const where = describeResource(deployment, appSettings);
  const settings = (appSettings.properties ?? {}) as Record<string, unknown>;
  const findings: Finding[] = [];
  for (const [name, why] of requiredSettings()) {
    if (!Object.hasOwn(settings, name))
      findings.push(finding("app-settings", where, `app setting ${name} is missing (${why})`));
  }
  for (const [name, raw] of Object.entries(settings)) {
    const plan = planOf(name);
    const instead = plan?.kind === "forbidden" ? plan.instead : FORBIDDEN_HOST_SETTINGS[name];
    if (instead !== undefined) {
      findings.push(
        finding("app-settings", where, `app setting ${name} must not be set in Azure: use ${instead}`),
      );
      continue;
    }
    if (plan === undefined && !Object.hasOwn(HOST_SETTINGS, name)) {
      findings.push(
        finding(
          "app-settings",
          where,
          `app setting ${name} is read neither by shared/config.ts nor by the Functions host (a typo?)`,
        ),
      );
      continue;
    }
    const value = stringsIn(raw).join("");
    const secret = [...secureNames].find((secure) => value.includes(`parameters('${secure}')`));
    const problem =
      secret === undefined
        ? valueProblem(name, value, deployment)
        : `${name} carries the secure parameter ${secret}: secrets reach the app as Key Vault references only`;
    if (problem !== undefined) findings.push(finding("app-settings", where, problem));
  }
  return findings;
}

/** Required settings present, identity-based values, secrets by Key Vault reference, no unknown or forbidden setting. */
export function checkAppSettings(compiled: CompiledInfra): Finding[] {
  const unplanned = unplannedSettings().map((name) =>
    finding(
      "app-settings",
      "shared/config.ts",
      `${name} is read by shared/config.ts but has no Azure plan in the infra check`,
    ),
  );
  const secureNames = secureParameterNames(compiled.template);
  return [
    ...unplanned,
    ...compiled.deployments.flatMap((deployment) => {
      const all = ofType(deployment, "Microsoft.Web/sites/config").filter((resource) =>
        resource.name.endsWith("/appsettings"),
      );
      return all.length === 0
        ? [
            finding(
              "app-settings",
              deployment.name,
              "no function app settings are deployed (a Microsoft.Web/sites/config named appsettings)",
            ),
          ]
        : all.flatMap((appSettings) => settingsFindings(deployment, appSettings, secureNames));
    }),
  ];
}
