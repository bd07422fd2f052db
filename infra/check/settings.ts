/**
 * The function app's settings in Azure: every setting the code needs (from shared/config.ts) and the
 * host needs is present, connections are identity-based only, and nothing unknown (a typo) slips in.
 */
import type { Node } from "web-tree-sitter";

import { SETTING_NAMES } from "../../shared/config.js";
import type { Config } from "../../shared/config.js";
import type { Finding } from "./findings.js";
import { findingAt, findingInFile } from "./findings.js";
import type { BicepFile, InfraProject } from "./project.js";
import { INFRA_DIR } from "./project.js";
import { declaredResources, literalText } from "./query.js";
import {
  children,
  describeValue,
  literalValue,
  objectEntries,
  property,
  propertyAt,
  stringStartsWith,
  stringValue,
} from "./syntax.js";

type Plan =
  | { readonly kind: "required"; readonly why: string }
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
  OPERATOR_KEYS: { kind: "required", why: "no operator could sign a request without it" },
  PARTNER_KEY_MASTER: { kind: "required", why: "partner keys are derived from it" },
  CUSTOMER_TOKEN_AUDIENCE: { kind: "required", why: "customer tokens are checked against it" },
  TRUSTED_TOKEN_ISSUERS: { kind: "forbidden", instead: "nothing: Azure trusts Entra ID alone (the default)" },
  INVITATION_TTL_DAYS: {
    kind: "required",
    why: "set explicitly so operators see and change it in one place",
  },
  SWEEP_SCHEDULE: { kind: "required", why: "set explicitly so operators see and change it in one place" },
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

/** Host settings that would hold a key. */
const FORBIDDEN_HOST_SETTINGS: Readonly<Record<string, string>> = {
  AzureWebJobsStorage: "AzureWebJobsStorage__accountName (a connection string carries the account key)",
};

/** Every name shared/config.ts reads has a plan (guards a config change the type system did not see). */
export function unplannedSettings(): string[] {
  return SETTING_NAMES.filter((name) => !Object.hasOwn(AZURE_SETTING_PLAN, name));
}

interface AppSetting {
  readonly name: string;
  readonly nameNode: Node;
  readonly value: Node;
}

interface AppSettings {
  readonly file: BicepFile;
  readonly anchor: Node;
  readonly settings: AppSetting[];
}

/** App settings written as a `config` resource named `appsettings`, or as siteConfig.appSettings. */
function findAppSettings(project: InfraProject): AppSettings[] {
  const fromConfig = declaredResources(project, "Microsoft.Web/sites/config")
    .filter(({ resource }) => {
      const name = property(resource.body, "name");
      return name !== undefined && stringValue(name) === "appsettings";
    })
    .map(({ file, resource }) => {
      const properties = property(resource.body, "properties");
      return {
        file,
        anchor: properties ?? resource.node,
        settings: objectEntries(properties ?? resource.node).map((entry) => ({
          name: entry.key,
          nameNode: entry.keyNode,
          value: entry.value,
        })),
      };
    });
  const fromSiteConfig = declaredResources(project, "Microsoft.Web/sites").flatMap(({ file, resource }) => {
    const list = propertyAt(resource.body, ["properties", "siteConfig", "appSettings"]);
    if (list?.type !== "array") return [];
    const settings = children(list).flatMap((item) => {
      const nameNode = property(item, "name");
      const value = property(item, "value");
      const name = nameNode === undefined ? undefined : stringValue(nameNode);
      return nameNode === undefined || value === undefined || name === undefined
        ? []
        : [{ name, nameNode, value }];
    });
    return [{ file, anchor: list, settings }];
  });
  return [...fromConfig, ...fromSiteConfig];
}

function valueProblem(file: BicepFile, setting: AppSetting): string | undefined {
  if (setting.name.endsWith("__credential") && literalValue(setting.value) !== "managedidentity") {
    return `${setting.name} must be 'managedidentity', found ${describeValue(setting.value)}`;
  }
  if (setting.name === "WEBHOOK_SECRETS" && !stringStartsWith(setting.value, "@Microsoft.KeyVault(")) {
    return `WEBHOOK_SECRETS must be a Key Vault reference '@Microsoft.KeyVault(SecretUri=...)', never the secret itself; found ${describeValue(setting.value)}`;
  }
  if (
    setting.name === "APPLICATIONINSIGHTS_AUTHENTICATION_STRING" &&
    !(literalText(file, setting.value) ?? "").includes("Authorization=AAD")
  ) {
    return `APPLICATIONINSIGHTS_AUTHENTICATION_STRING must be 'ClientId=<client id>;Authorization=AAD', found ${describeValue(setting.value)}`;
  }
  return undefined;
}

/** Required settings present, identity-based values, no key-bearing or unknown settings. */
export function checkAppSettings(project: InfraProject): Finding[] {
  const findings: Finding[] = unplannedSettings().map((name) =>
    findingInFile(
      "app-settings",
      "shared/config.ts",
      0,
      `${name} is read by shared/config.ts but has no Azure plan in the infra check`,
    ),
  );
  const all = findAppSettings(project);
  if (all.length === 0) {
    return [
      ...findings,
      findingInFile(
        "app-settings",
        INFRA_DIR,
        0,
        "no function app settings found (a Microsoft.Web/sites/config resource named 'appsettings')",
      ),
    ];
  }

  const required = new Map<string, string>(Object.entries(HOST_SETTINGS));
  for (const [name, plan] of Object.entries(AZURE_SETTING_PLAN)) {
    if (plan.kind === "required") required.set(name, plan.why);
  }

  for (const { file, anchor, settings } of all) {
    const names = new Set(settings.map((setting) => setting.name));
    for (const [name, why] of required) {
      if (!names.has(name)) {
        findings.push(
          findingAt("app-settings", file.path, anchor, `app setting ${name} is missing (${why})`),
        );
      }
    }
    for (const setting of settings) {
      const plan = Object.hasOwn(AZURE_SETTING_PLAN, setting.name)
        ? AZURE_SETTING_PLAN[setting.name as keyof Config]
        : undefined;
      const forbiddenInstead =
        plan?.kind === "forbidden" ? plan.instead : FORBIDDEN_HOST_SETTINGS[setting.name];
      if (forbiddenInstead !== undefined) {
        findings.push(
          findingAt(
            "app-settings",
            file.path,
            setting.nameNode,
            `app setting ${setting.name} must not be set in Azure: use ${forbiddenInstead}`,
          ),
        );
        continue;
      }
      if (plan === undefined && !Object.hasOwn(HOST_SETTINGS, setting.name)) {
        findings.push(
          findingAt(
            "app-settings",
            file.path,
            setting.nameNode,
            `app setting ${setting.name} is read neither by shared/config.ts nor by the Functions host (a typo?)`,
          ),
        );
        continue;
      }
      const problem = valueProblem(file, setting);
      if (problem !== undefined) findings.push(findingAt("app-settings", file.path, setting.value, problem));
    }
  }
  return findings;
}
