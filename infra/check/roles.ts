/**
 * Least privilege: the role definition ids granted are exactly the allowed set, each on the kind of
 * resource it is meant for, with a deterministic name; the forbidden broad roles appear nowhere.
 */
import type { CompiledInfra, Deployment } from "./arm.js";
import { describeResource, extensionScope, ofType, stringsIn, typeOfId, valueAt } from "./arm.js";
import type { Finding } from "./findings.js";
import { finding } from "./findings.js";
import { TEMPLATE } from "./keys.js";

export const ROLE_ASSIGNMENT_TYPE = "Microsoft.Authorization/roleAssignments";

/** Every role the function app identity needs, and where. */
interface AllowedRole {
  readonly name: string;
  /** Resource types the role may be assigned on (the resource or one of its children). */
  readonly scopes: readonly string[];
}

const STORAGE = "Microsoft.Storage/storageAccounts";
const SERVICE_BUS = ["Microsoft.ServiceBus/namespaces", "Microsoft.ServiceBus/namespaces/queues"];

export const ALLOWED_ROLES: Readonly<Record<string, AllowedRole>> = {
  "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": {
    name: "Storage Blob Data Owner",
    scopes: [STORAGE, `${STORAGE}/blobServices/containers`],
  },
  "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3": {
    name: "Storage Table Data Contributor",
    scopes: [STORAGE, `${STORAGE}/tableServices/tables`],
  },
  "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39": { name: "Azure Service Bus Data Sender", scopes: SERVICE_BUS },
  "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0": { name: "Azure Service Bus Data Receiver", scopes: SERVICE_BUS },
  "3913510d-42f4-4e42-8a64-420c390055eb": {
    name: "Monitoring Metrics Publisher",
    scopes: ["Microsoft.Insights/components"],
  },
  "4633458b-17de-408a-b874-0445c86b69e6": {
    name: "Key Vault Secrets User",
    scopes: ["Microsoft.KeyVault/vaults", "Microsoft.KeyVault/vaults/secrets"],
  },
};

/** Broad roles no template may grant or even name. */
export const FORBIDDEN_ROLES: Readonly<Record<string, string>> = {
  "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
  "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
  "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
  "090c5cfd-751d-490a-894a-3ce6f1109419": "Azure Service Bus Data Owner",
};

const ROLE_ID = /roleDefinitions\/([0-9a-f-]{36})$/i;

function deploymentFindings(deployment: Deployment): Finding[] {
  const findings: Finding[] = [];
  const granted = new Set<string>();
  for (const assignment of ofType(deployment, ROLE_ASSIGNMENT_TYPE)) {
    const where = describeResource(deployment, assignment);
    const definition = valueAt(assignment, ["properties", "roleDefinitionId"]);
    const roleId = typeof definition === "string" ? ROLE_ID.exec(definition)?.[1]?.toLowerCase() : undefined;
    if (roleId === undefined) {
      findings.push(
        finding(
          "roles",
          where,
          `properties.roleDefinitionId must name a built-in role, found ${String(definition)}`,
        ),
      );
      continue;
    }
    granted.add(roleId);
    const allowed = ALLOWED_ROLES[roleId];
    if (allowed === undefined) {
      const forbidden = FORBIDDEN_ROLES[roleId];
      const label =
        forbidden === undefined ? "a role outside the allowed set" : `the forbidden role ${forbidden}`;
      findings.push(finding("roles", where, `grants ${label} (${roleId})`));
      continue;
    }
    const scope = extensionScope(assignment);
    const scopeType = scope === undefined ? undefined : typeOfId(scope);
    if (scope === undefined || scopeType === undefined || !allowed.scopes.includes(scopeType)) {
      findings.push(
        finding(
          "roles",
          where,
          `${allowed.name} must be scoped to a ${allowed.scopes.join(" or ")} resource, not ${scopeType ?? "the resource group or subscription as a whole"}`,
        ),
      );
      continue;
    }
    // guid(scope, principalId, roleDefinitionId): redeploying finds the same assignment.
    if (!assignment.name.startsWith(`[guid('${scope}', `) || !assignment.name.endsWith(`, '${roleId}')]`)) {
      findings.push(
        finding(
          "roles",
          where,
          `the name must be guid(scope, principalId, roleDefinitionId) for ${allowed.name}, found ${assignment.name}`,
        ),
      );
    }
  }
  for (const [roleId, role] of Object.entries(ALLOWED_ROLES)) {
    if (!granted.has(roleId)) {
      findings.push(
        finding("roles", deployment.name, `${role.name} (${roleId}) is never granted; the app needs it`),
      );
    }
  }
  return findings;
}

/** Role ids granted exactly as allowed, on the right scope, named deterministically; no forbidden id anywhere. */
export function checkRoleAssignments(compiled: CompiledInfra): Finding[] {
  const text = stringsIn(compiled.template).join("\n").toLowerCase();
  const mentioned = Object.entries(FORBIDDEN_ROLES)
    .filter(([roleId]) => text.includes(roleId))
    .map(([roleId, role]) => finding("roles", TEMPLATE, `the forbidden role ${role} (${roleId}) is named`));
  return [...compiled.deployments.flatMap(deploymentFindings), ...mentioned];
}
