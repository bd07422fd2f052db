/**
 * Security properties that must be written as literals on every resource of a type: local auth
 * off, TLS 1.2 minimums, HTTPS only, no public blob access, FTPS off, Key Vault hardening. A
 * literal, not a parameter, because a parameter could switch the protection off at deploy time.
 */
import type { Finding } from "./findings.js";
import { findingAt, findingInFile } from "./findings.js";
import type { InfraProject } from "./project.js";
import { INFRA_DIR } from "./project.js";
import { declaredResources } from "./query.js";
import { describeValue, literalValue, propertyAt } from "./syntax.js";
import type { Literal } from "./syntax.js";

export const TYPES = {
  storageAccount: "Microsoft.Storage/storageAccounts",
  blobContainer: "Microsoft.Storage/storageAccounts/blobServices/containers",
  serviceBusNamespace: "Microsoft.ServiceBus/namespaces",
  appInsights: "Microsoft.Insights/components",
  site: "Microsoft.Web/sites",
  publishingPolicy: "Microsoft.Web/sites/basicPublishingCredentialsPolicies",
  keyVault: "Microsoft.KeyVault/vaults",
} as const;

export interface Requirement {
  readonly check: string;
  readonly type: string;
  /** Path below the resource body, e.g. `['properties', 'disableLocalAuth']`. */
  readonly path: readonly string[];
  readonly expected: Literal;
  /** Why it matters, for the message. */
  readonly why: string;
  /** Checked only where the property is written (the resource may leave it out). */
  readonly ifPresent?: boolean;
  /** At least one resource of the type must exist, or the requirement cannot be verified. */
  readonly typeRequired?: boolean;
}

export const REQUIREMENTS: readonly Requirement[] = [
  {
    check: "local-auth",
    type: TYPES.serviceBusNamespace,
    path: ["properties", "disableLocalAuth"],
    expected: true,
    why: "Service Bus must refuse SAS keys; only Entra ID tokens",
    typeRequired: true,
  },
  {
    check: "local-auth",
    type: TYPES.appInsights,
    path: ["properties", "DisableLocalAuth"],
    expected: true,
    why: "telemetry must need an Entra ID token, not just the instrumentation key",
    typeRequired: true,
  },
  {
    check: "local-auth",
    type: TYPES.storageAccount,
    path: ["properties", "allowSharedKeyAccess"],
    expected: false,
    why: "account keys and SAS must not work; only Entra ID",
    typeRequired: true,
  },
  {
    check: "tls",
    type: TYPES.storageAccount,
    path: ["properties", "minimumTlsVersion"],
    expected: "TLS1_2",
    why: "TLS 1.2 minimum",
  },
  {
    check: "tls",
    type: TYPES.serviceBusNamespace,
    path: ["properties", "minimumTlsVersion"],
    expected: "1.2",
    why: "TLS 1.2 minimum",
  },
  {
    check: "tls",
    type: TYPES.site,
    path: ["properties", "siteConfig", "minTlsVersion"],
    expected: "1.2",
    why: "TLS 1.2 minimum",
    typeRequired: true,
  },
  {
    check: "tls",
    type: TYPES.site,
    path: ["properties", "siteConfig", "scmMinTlsVersion"],
    expected: "1.2",
    why: "TLS 1.2 minimum on the deployment endpoint",
    ifPresent: true,
  },
  {
    check: "https-only",
    type: TYPES.storageAccount,
    path: ["properties", "supportsHttpsTrafficOnly"],
    expected: true,
    why: "plain HTTP must be refused",
  },
  {
    check: "https-only",
    type: TYPES.site,
    path: ["properties", "httpsOnly"],
    expected: true,
    why: "plain HTTP must be redirected to HTTPS",
  },
  {
    check: "public-blob-access",
    type: TYPES.storageAccount,
    path: ["properties", "allowBlobPublicAccess"],
    expected: false,
    why: "no container may be readable anonymously",
  },
  {
    check: "public-blob-access",
    type: TYPES.blobContainer,
    path: ["properties", "publicAccess"],
    expected: "None",
    why: "no container may be readable anonymously",
    ifPresent: true,
  },
  {
    check: "ftps",
    type: TYPES.site,
    path: ["properties", "siteConfig", "ftpsState"],
    expected: "Disabled",
    why: "FTP and FTPS deployment must be off",
  },
  {
    check: "ftps",
    type: TYPES.publishingPolicy,
    path: ["properties", "allow"],
    expected: false,
    why: "basic (user name and password) publishing must be off",
    ifPresent: true,
  },
  {
    check: "key-vault",
    type: TYPES.keyVault,
    path: ["properties", "enableRbacAuthorization"],
    expected: true,
    why: "access by Azure RBAC only, no access policies",
    typeRequired: true,
  },
  {
    check: "key-vault",
    type: TYPES.keyVault,
    path: ["properties", "enableSoftDelete"],
    expected: true,
    why: "a deleted secret must stay recoverable",
  },
  {
    check: "key-vault",
    type: TYPES.keyVault,
    path: ["properties", "enablePurgeProtection"],
    expected: true,
    why: "a soft-deleted secret must not be purgeable",
  },
];

function show(value: Literal): string {
  return typeof value === "string" ? `'${value}'` : String(value);
}

export function checkRequirements(project: InfraProject, requirements: readonly Requirement[]): Finding[] {
  return requirements.flatMap((requirement) => {
    const resources = declaredResources(project, requirement.type);
    const name = requirement.path.join(".");
    if (resources.length === 0) {
      return requirement.typeRequired === true
        ? [
            findingInFile(
              requirement.check,
              INFRA_DIR,
              0,
              `no ${requirement.type} resource is declared, so ${name} cannot be verified`,
            ),
          ]
        : [];
    }
    return resources.flatMap(({ file, resource }) => {
      const value = propertyAt(resource.body, requirement.path);
      if (value === undefined && requirement.ifPresent === true) return [];
      if (value !== undefined && literalValue(value) === requirement.expected) return [];
      const message =
        `${resource.symbol} (${requirement.type}): ${name} must be the literal ${show(requirement.expected)} ` +
        `(${requirement.why}), found ${describeValue(value)}`;
      return [findingAt(requirement.check, file.path, value ?? resource.node, message)];
    });
  });
}

function checkNamed(check: string): (project: InfraProject) => Finding[] {
  return (project) =>
    checkRequirements(
      project,
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
