/**
 * Security properties every deployed resource of a type must carry: local auth off, TLS 1.2
 * minimums, HTTPS only, no public blob access, FTPS off, Key Vault hardening. Checked on what each
 * case deploys, so a value from a parameter or a condition is checked as it resolves.
 */
import type { CompiledInfra } from "./arm.js";
import { describeResource, ofType, valueAt } from "./arm.js";
import type { Finding } from "./findings.js";
import { finding } from "./findings.js";

export const TYPES = {
  storageAccount: "Microsoft.Storage/storageAccounts",
  blobContainer: "Microsoft.Storage/storageAccounts/blobServices/containers",
  serviceBusNamespace: "Microsoft.ServiceBus/namespaces",
  appInsights: "Microsoft.Insights/components",
  site: "Microsoft.Web/sites",
  publishingPolicy: "Microsoft.Web/sites/basicPublishingCredentialsPolicies",
  keyVault: "Microsoft.KeyVault/vaults",
} as const;

export type Literal = string | number | boolean;

export interface Requirement {
  readonly check: string;
  readonly type: string;
  /** Path below the resource, e.g. `['properties', 'disableLocalAuth']`. */
  readonly path: readonly string[];
  readonly expected: Literal;
  /** Why it matters, for the message. */
  readonly why: string;
  /** `present`: checked only where set; `deployed`: the type must be deployed, or nothing is verified. */
  readonly scope?: "present" | "deployed";
}

/** One requirement, its path written dotted. */
export function rule(
  check: string,
  type: string,
  path: string,
  expected: Literal,
  why: string,
  scope?: Requirement["scope"],
): Requirement {
  return { check, type, path: path.split("."), expected, why, scope };
}

const { storageAccount, blobContainer, serviceBusNamespace, appInsights, site, publishingPolicy, keyVault } =
  TYPES;

export const REQUIREMENTS: readonly Requirement[] = [
  rule(
    "local-auth",
    serviceBusNamespace,
    "properties.disableLocalAuth",
    true,
    "SAS keys refused",
    "deployed",
  ),
  rule(
    "local-auth",
    appInsights,
    "properties.DisableLocalAuth",
    true,
    "ingestion needs Entra ID",
    "deployed",
  ),
  rule("local-auth", storageAccount, "properties.allowSharedKeyAccess", false, "no keys or SAS", "deployed"),
  rule("tls", storageAccount, "properties.minimumTlsVersion", "TLS1_2", "TLS 1.2 minimum"),
  rule("tls", serviceBusNamespace, "properties.minimumTlsVersion", "1.2", "TLS 1.2 minimum"),
  rule("tls", site, "properties.siteConfig.minTlsVersion", "1.2", "TLS 1.2 minimum", "deployed"),
  rule("tls", site, "properties.siteConfig.scmMinTlsVersion", "1.2", "TLS 1.2 on deployment", "present"),
  rule("https-only", storageAccount, "properties.supportsHttpsTrafficOnly", true, "plain HTTP refused"),
  rule("https-only", site, "properties.httpsOnly", true, "plain HTTP redirected to HTTPS"),
  rule("public-blob-access", storageAccount, "properties.allowBlobPublicAccess", false, "no anonymous reads"),
  rule(
    "public-blob-access",
    blobContainer,
    "properties.publicAccess",
    "None",
    "no anonymous reads",
    "present",
  ),
  rule("ftps", site, "properties.siteConfig.ftpsState", "Disabled", "no FTP or FTPS deployment"),
  rule("ftps", publishingPolicy, "properties.allow", false, "no basic publishing credentials", "present"),
  rule("key-vault", keyVault, "properties.enableRbacAuthorization", true, "Azure RBAC only", "deployed"),
  rule("key-vault", keyVault, "properties.enableSoftDelete", true, "a deleted secret stays recoverable"),
  rule("key-vault", keyVault, "properties.enablePurgeProtection", true, "no purging a deleted secret"),
];

export function show(value: unknown): string {
  if (value === undefined) return "absent";
  return typeof value === "string" ? `'${value}'` : JSON.stringify(value);
}

export function checkRequirements(compiled: CompiledInfra, requirements: readonly Requirement[]): Finding[] {
  return compiled.deployments.flatMap((deployment) =>
    requirements.flatMap((requirement) => {
      const resources = ofType(deployment, requirement.type);
      const name = requirement.path.join(".");
      if (resources.length === 0) {
        return requirement.scope === "deployed"
          ? [
              finding(
                requirement.check,
                deployment.name,
                `no ${requirement.type} resource is deployed, so ${name} cannot be verified`,
              ),
            ]
          : [];
      }
      return resources.flatMap((resource) => {
        const value = valueAt(resource, requirement.path);
        if (value === undefined && requirement.scope === "present") return [];
        if (value === requirement.expected) return [];
        return [
          finding(
            requirement.check,
            describeResource(deployment, resource),
            `${name} must be ${show(requirement.expected)} (${requirement.why}), found ${show(value)}`,
          ),
        ];
      });
    }),
  );
}

function checkNamed(check: string): (compiled: CompiledInfra) => Finding[] {
  return (compiled) =>
    checkRequirements(
      compiled,
      REQUIREMENTS.filter((requirement) => requirement.check === check),
    );
}

/** Service Bus disableLocalAuth, App Insights DisableLocalAuth, Storage allowSharedKeyAccess: false. */
export const checkLocalAuth = checkNamed("local-auth");
/** TLS 1.2 minimums on Storage, Service Bus and the function app. */
export const checkTls = checkNamed("tls");
/** HTTPS only on Storage and the function app. */
export const checkHttpsOnly = checkNamed("https-only");
/** No anonymous blob access on the account or any container. */
export const checkPublicBlobAccess = checkNamed("public-blob-access");
/** FTPS disabled and basic publishing credentials off. */
export const checkFtps = checkNamed("ftps");
/** Key Vault with RBAC authorization, soft delete and purge protection. */
export const checkKeyVault = checkNamed("key-vault");
