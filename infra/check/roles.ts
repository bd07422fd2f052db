/**
 * Least privilege: the role definition ids granted are exactly the allowed set, each on the kind of
 * resource it is meant for, with a deterministic name; the forbidden broad roles appear nowhere.
 */
import type { Finding } from "./findings.js";
import { findingAt, findingInFile } from "./findings.js";
import type { InfraProject } from "./project.js";
import { INFRA_DIR } from "./project.js";
import { declaredResources, guidsIn, resourceBySymbol } from "./query.js";
import { callArguments, callName, descendants, property, stringFragments } from "./syntax.js";

export const ROLE_ASSIGNMENT_TYPE = "Microsoft.Authorization/roleAssignments";

interface AllowedRole {
  readonly name: string;
  /** Resource types the role may be assigned on (the resource or one of its children). */
  readonly scopes: readonly string[];
}

/** Every role the function app identity needs, and where. */
export const ALLOWED_ROLES: Readonly<Record<string, AllowedRole>> = {
  "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": {
    name: "Storage Blob Data Owner",
    scopes: [
      "Microsoft.Storage/storageAccounts",
      "Microsoft.Storage/storageAccounts/blobServices/containers",
    ],
  },
  "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3": {
    name: "Storage Table Data Contributor",
    scopes: ["Microsoft.Storage/storageAccounts", "Microsoft.Storage/storageAccounts/tableServices/tables"],
  },
  "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39": {
    name: "Azure Service Bus Data Sender",
    scopes: ["Microsoft.ServiceBus/namespaces", "Microsoft.ServiceBus/namespaces/queues"],
  },
  "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0": {
    name: "Azure Service Bus Data Receiver",
    scopes: ["Microsoft.ServiceBus/namespaces", "Microsoft.ServiceBus/namespaces/queues"],
  },
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

/** Role ids granted exactly as allowed, on the right scope, named `guid(scope, principalId, roleId)`. */
export function checkRoleAssignments(project: InfraProject): Finding[] {
  const findings: Finding[] = [];
  const granted = new Set<string>();

  for (const { file, resource } of declaredResources(project, ROLE_ASSIGNMENT_TYPE)) {
    const roleDefinitionId = property(property(resource.body, "properties"), "roleDefinitionId");
    const roleIds = roleDefinitionId === undefined ? new Set<string>() : guidsIn(file, roleDefinitionId);
    const [roleId] = [...roleIds];
    if (roleId === undefined || roleIds.size !== 1) {
      findings.push(
        findingAt(
          "roles",
          file.path,
          roleDefinitionId ?? resource.node,
          `${resource.symbol}: properties.roleDefinitionId must resolve to one built-in role id (write it through the role map), found ${roleIds.size}`,
        ),
      );
      continue;
    }
    granted.add(roleId);

    const allowed = ALLOWED_ROLES[roleId];
    const forbidden = FORBIDDEN_ROLES[roleId];
    if (allowed === undefined) {
      const label =
        forbidden === undefined ? "a role outside the allowed set" : `the forbidden role ${forbidden}`;
      findings.push(
        findingAt(
          "roles",
          file.path,
          roleDefinitionId ?? resource.node,
          `${resource.symbol} grants ${label} (${roleId})`,
        ),
      );
      continue;
    }

    const scope = property(resource.body, "scope");
    const scopeResource = scope?.type === "identifier" ? resourceBySymbol(file, scope.text) : undefined;
    if (scopeResource === undefined || !allowed.scopes.includes(scopeResource.type)) {
      findings.push(
        findingAt(
          "roles",
          file.path,
          scope ?? resource.node,
          `${resource.symbol}: ${allowed.name} must be scoped to a ${allowed.scopes.join(" or ")} resource, ` +
            `not ${scopeResource?.type ?? (scope === undefined ? "the whole resource group or subscription" : scope.text)}`,
        ),
      );
    }

    const name = property(resource.body, "name");
    const nameArgs = name !== undefined && callName(name) === "guid" ? callArguments(name) : [];
    const nameRole = nameArgs[2];
    if (nameArgs.length !== 3 || nameRole === undefined || !guidsIn(file, nameRole).has(roleId)) {
      findings.push(
        findingAt(
          "roles",
          file.path,
          name ?? resource.node,
          `${resource.symbol}: name must be guid(scope, principalId, roleDefinitionId) for ${allowed.name}, so redeploying finds the same assignment`,
        ),
      );
    }
  }

  for (const [roleId, role] of Object.entries(ALLOWED_ROLES)) {
    if (!granted.has(roleId)) {
      findings.push(
        findingInFile("roles", INFRA_DIR, 0, `${role.name} (${roleId}) is never granted; the app needs it`),
      );
    }
  }

  findings.push(...forbiddenMentions(project));
  return findings;
}

/** A forbidden role id written anywhere (a variable, a parameter default, a string) is a finding. */
function forbiddenMentions(project: InfraProject): Finding[] {
  return project.files.flatMap((file) =>
    descendants(file.root).flatMap((node) => {
      const fragments = stringFragments(node);
      if (fragments === undefined) return [];
      const text = fragments.join("").toLowerCase();
      return Object.entries(FORBIDDEN_ROLES)
        .filter(([roleId]) => text.includes(roleId))
        .map(([roleId, role]) =>
          findingAt("roles", file.path, node, `the forbidden role ${role} (${roleId}) is named here`),
        );
    }),
  );
}
