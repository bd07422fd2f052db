/**
 * Least privilege: the role definition ids granted are exactly the allowed set, each on the kind of
 * resource it is meant for, with a deterministic name; the forbidden broad roles appear nowhere.
 */
import type { ArmResource, CompiledInfra, Finding } from "./arm.js";
import {
  at,
  extensionScope,
  finding,
  ofType,
  perDeployment,
  stringsIn,
  TEMPLATE,
  typeOfId,
  valueAt,
} from "./arm.js";

const STORAGE = "Microsoft.Storage/storageAccounts";
const SERVICE_BUS = ["Microsoft.ServiceBus/namespaces", "Microsoft.ServiceBus/namespaces/queues"];

/** Every role the function app's identity needs: its name, and the resource types it may be granted on. */
export const ALLOWED_ROLES: Readonly<Record<string, readonly [name: string, scopes: readonly string[]]>> = {
  "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": [
    "Storage Blob Data Owner",
    [STORAGE, `${STORAGE}/blobServices/containers`],
  ],
  "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3": [
    "Storage Table Data Contributor",
    [STORAGE, `${STORAGE}/tableServices/tables`],
  ],
  "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39": ["Azure Service Bus Data Sender", SERVICE_BUS],
  "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0": ["Azure Service Bus Data Receiver", SERVICE_BUS],
  "3913510d-42f4-4e42-8a64-420c390055eb": ["Monitoring Metrics Publisher", ["Microsoft.Insights/components"]],
  "4633458b-17de-408a-b874-0445c86b69e6": [
    "Key Vault Secrets User",
    ["Microsoft.KeyVault/vaults", "Microsoft.KeyVault/vaults/secrets"],
  ],
};

/** Broad roles no template may grant or even name. */
export const FORBIDDEN_ROLES: Readonly<Record<string, string>> = {
  "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
  "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
  "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
  "090c5cfd-751d-490a-894a-3ce6f1109419": "Azure Service Bus Data Owner",
};

/** What is wrong with one assignment of the role, or undefined. */
function problem(assignment: ArmResource, roleId: string): string | undefined {
  const allowed = ALLOWED_ROLES[roleId];
  const forbidden = FORBIDDEN_ROLES[roleId];
  if (allowed === undefined)
    return `grants ${forbidden === undefined ? "a role outside the allowed set" : `the forbidden role ${forbidden}`} (${roleId})`;
  const [name, scopes] = allowed;
  const scope = extensionScope(assignment);
  const scopeType = scope === undefined ? undefined : typeOfId(scope);
  if (scope === undefined || scopeType === undefined || !scopes.includes(scopeType))
    return `${name} must be scoped to a ${scopes.join(" or ")} resource, not ${scopeType ?? "the resource group or subscription as a whole"}`;
  // guid(scope, principalId, roleDefinitionId): redeploying finds the same assignment.
  if (!assignment.name.startsWith(`[guid('${scope}', `) || !assignment.name.endsWith(`, '${roleId}')]`))
    return `the name must be guid(scope, principalId, roleDefinitionId) for ${name}, found ${assignment.name}`;
  return undefined;
}

const assignments = perDeployment("roles", function* (deployment) {
  const granted = new Set<string>();
  for (const assignment of ofType(deployment, "Microsoft.Authorization/roleAssignments")) {
    const definition = String(valueAt(assignment, "properties.roleDefinitionId"));
    const roleId = /roleDefinitions\/([0-9a-f-]{36})$/i.exec(definition)?.[1]?.toLowerCase();
    if (roleId !== undefined) granted.add(roleId);
    const found =
      roleId === undefined
        ? `properties.roleDefinitionId must name a built-in role, found ${definition}`
        : problem(assignment, roleId);
    if (found !== undefined) yield [at(deployment, assignment), found];
  }
  for (const [roleId, [name]] of Object.entries(ALLOWED_ROLES))
    if (!granted.has(roleId))
      yield [deployment.name, `${name} (${roleId}) is never granted; the app needs it`];
});

/** Role ids granted exactly as allowed, on the right scope, named deterministically; no forbidden id anywhere. */
export function checkRoles(compiled: CompiledInfra): Finding[] {
  const text = stringsIn(compiled.template).join("\n").toLowerCase();
  const named = Object.entries(FORBIDDEN_ROLES).filter(([roleId]) => text.includes(roleId));
  return [
    ...assignments(compiled),
    ...named.map(([roleId, role]) =>
      finding("roles", TEMPLATE, `the forbidden role ${role} (${roleId}) is named`),
    ),
  ];
}
