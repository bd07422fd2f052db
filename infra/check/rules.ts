/**
 * Properties every deployed resource of a type must carry, as one table: local auth off, TLS 1.2,
 * HTTPS only, no public blobs, FTPS off, Key Vault hardening, the Flex Consumption Node 20 app, the
 * azd tags, and with the private network, public access off and VNet integration. Checked on what
 * each case deploys, so a value from a parameter or a condition is checked as it resolves.
 */
import type { CompiledInfra, Finding } from "./arm.js";
import { at, finding, ofType, show, valueAt } from "./arm.js";

/** What a value must be: a literal, or what it must do (a string naming something). */
type Expected = string | boolean | { readonly must: string };

/**
 * `deployed`: the type must be deployed, or nothing is verified; `present`: checked only where set;
 * `private`: checked only in the cases that turn the private network on.
 */
type Scope = "deployed" | "present" | "private";

type Rule = readonly [check: string, expected: Expected, why: string, scope?: Scope];

const PRIVATE_ONLY: Rule = ["network", "Disabled", "reached through its private endpoints only", "private"];

/** Resource type → dotted property path → the rule. */
export const RULES: Readonly<Record<string, Readonly<Record<string, Rule>>>> = {
  "Microsoft.Storage/storageAccounts": {
    "properties.allowSharedKeyAccess": ["local-auth", false, "no keys or SAS", "deployed"],
    "properties.minimumTlsVersion": ["tls", "TLS1_2", "TLS 1.2 minimum"],
    "properties.supportsHttpsTrafficOnly": ["https-only", true, "plain HTTP refused"],
    "properties.allowBlobPublicAccess": ["public-blob-access", false, "no anonymous reads"],
    "properties.publicNetworkAccess": PRIVATE_ONLY,
  },
  "Microsoft.Storage/storageAccounts/blobServices/containers": {
    "properties.publicAccess": ["public-blob-access", "None", "no anonymous reads", "present"],
  },
  "Microsoft.ServiceBus/namespaces": {
    "properties.disableLocalAuth": ["local-auth", true, "SAS keys refused", "deployed"],
    "properties.minimumTlsVersion": ["tls", "1.2", "TLS 1.2 minimum"],
    "properties.publicNetworkAccess": PRIVATE_ONLY,
  },
  "Microsoft.Insights/components": {
    "properties.DisableLocalAuth": ["local-auth", true, "ingestion needs Entra ID", "deployed"],
  },
  "Microsoft.KeyVault/vaults": {
    "properties.enableRbacAuthorization": ["key-vault", true, "Azure RBAC only", "deployed"],
    "properties.enableSoftDelete": ["key-vault", true, "a deleted secret stays recoverable"],
    "properties.enablePurgeProtection": ["key-vault", true, "no purging a deleted secret"],
    "properties.publicNetworkAccess": PRIVATE_ONLY,
  },
  "Microsoft.Web/serverfarms": { "sku.name": ["function-app", "FC1", "Flex Consumption", "deployed"] },
  "Microsoft.Web/sites": {
    "properties.siteConfig.minTlsVersion": ["tls", "1.2", "TLS 1.2 minimum", "deployed"],
    "properties.siteConfig.scmMinTlsVersion": ["tls", "1.2", "TLS 1.2 on deployment", "present"],
    "properties.httpsOnly": ["https-only", true, "plain HTTP redirected to HTTPS"],
    "properties.siteConfig.ftpsState": ["ftps", "Disabled", "no FTP or FTPS deployment"],
    "identity.type": ["function-app", "UserAssigned", "runs as its identity"],
    "properties.functionAppConfig.runtime.name": ["function-app", "node", "the app is Node.js"],
    "properties.functionAppConfig.runtime.version": ["function-app", "20", "the app targets Node 20"],
    "properties.functionAppConfig.deployment.storage.authentication.type": [
      "function-app",
      "UserAssignedIdentity",
      "the package is read with the identity, not a key",
    ],
    "properties.keyVaultReferenceIdentity": [
      "function-app",
      { must: "name the user-assigned identity" },
      "for Key Vault references",
    ],
    "tags.azd-service-name": ["azd", "api", "azd deploy finds azure.yaml's service by it", "deployed"],
    "properties.virtualNetworkSubnetId": [
      "network",
      { must: "name the app's subnet" },
      "VNet integration",
      "private",
    ],
  },
  "Microsoft.Web/sites/basicPublishingCredentialsPolicies": {
    "properties.allow": ["ftps", false, "no basic publishing credentials", "present"],
  },
  // A resource group exists at subscription scope only: deploying one also holds main.bicep's targetScope.
  "Microsoft.Resources/resourceGroups": {
    "tags.azd-env-name": ["azd", { must: "name the environment" }, "azd finds its group by it", "deployed"],
  },
};

function passes(expected: Expected, value: unknown): boolean {
  return typeof expected === "object" ? typeof value === "string" && value.length > 0 : value === expected;
}

export function checkRules(compiled: CompiledInfra): Finding[] {
  return compiled.deployments.flatMap((deployment) =>
    Object.entries(RULES).flatMap(([type, rules]) =>
      Object.entries(rules).flatMap(([path, [check, expected, why, scope]]) => {
        if (scope === "private" && !deployment.privateNetwork) return [];
        const resources = ofType(deployment, type);
        if (resources.length === 0 && scope === "deployed") {
          return [
            finding(check, deployment.name, `no ${type} resource is deployed, so ${path} cannot be verified`),
          ];
        }
        return resources.flatMap((resource) => {
          const value = valueAt(resource, path);
          if ((value === undefined && scope === "present") || passes(expected, value)) return [];
          const must = typeof expected === "object" ? expected.must : `be ${show(expected)}`;
          return [
            finding(check, at(deployment, resource), `${path} must ${must} (${why}), found ${show(value)}`),
          ];
        });
      }),
    ),
  );
}
