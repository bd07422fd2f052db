import { describe, expect, it } from "vitest";

import { ALLOWED_ROLES, checkRoleAssignments, FORBIDDEN_ROLES } from "../../infra/check/roles.js";
import type { Overrides } from "./helpers.js";
import { edit, findingsWith, itReports, MAIN, original, ROLES } from "./helpers.js";

const SENDER = "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39";
const SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";
const QUEUE_DATA_CONTRIBUTOR = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
const SECRETS_USER_NAME = "name: guid(keyVault.id, principalId, roleIds.keyVaultSecretsUser)";

/** roles.bicep with the Service Bus Data Sender grant given another role id. */
function senderReplacedBy(roleId: string): Overrides {
  return edit(ROLES, [`serviceBusDataSender: '${SENDER}'`, `serviceBusDataSender: '${roleId}'`]);
}

describe("role assignments on the real templates", () => {
  it("grant exactly the allowed roles, each on its resource", async () => {
    expect(await findingsWith(checkRoleAssignments)).toEqual([]);
  });

  it("name each allowed role id exactly once in the role map", () => {
    const text = original(ROLES);
    for (const roleId of Object.keys(ALLOWED_ROLES)) expect(text.split(roleId).length - 1).toBe(1);
  });
});

describe("forbidden roles", () => {
  itReports(checkRoleAssignments, [
    ...Object.entries(FORBIDDEN_ROLES).map(([roleId, role]) => ({
      name: `fails when ${roleId} (${role}) replaces a granted role`,
      change: () => senderReplacedBy(roleId),
      finds: [
        { file: ROLES, says: [`the forbidden role ${role}`, roleId] },
        { says: ["Azure Service Bus Data Sender", "is never granted"] },
      ],
    })),
    {
      name: "fails when a forbidden role id is merely written down",
      change: () =>
        edit(MAIN, [
          "var deploymentContainerName",
          "var spare = '8e3af657-a8ff-443c-a75c-2fe8c4bcb635'\nvar deploymentContainerName",
        ]),
      finds: [{ file: MAIN, says: ["the forbidden role Owner"] }],
    },
  ]);
});

describe("exactly the allowed set", () => {
  itReports(checkRoleAssignments, [
    {
      name: "fails on a role outside the set (Storage Queue Data Contributor)",
      change: () => senderReplacedBy(QUEUE_DATA_CONTRIBUTOR),
      finds: [{ file: ROLES, says: ["a role outside the allowed set", QUEUE_DATA_CONTRIBUTOR] }],
    },
    {
      name: "fails when a needed role is not granted",
      change: () => {
        const text = original(ROLES);
        return { [ROLES]: text.slice(0, text.indexOf("resource secretsUser")) };
      },
      finds: [{ says: ["Key Vault Secrets User", SECRETS_USER, "is never granted"] }],
    },
    {
      name: "fails when the role id cannot be traced to the role map",
      change: () =>
        edit(ROLES, [
          "roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsUser)",
          "roleDefinitionId: principalId",
        ]),
      finds: [{ file: ROLES, says: ["secretsUser", "must resolve to one built-in role id"] }],
    },
  ]);
});

describe("scope and name", () => {
  itReports(checkRoleAssignments, [
    {
      name: "fails when Key Vault Secrets User is granted on the whole resource group",
      change: () => edit(ROLES, ["  scope: keyVault\n", ""]),
      finds: [
        {
          file: ROLES,
          says: ["Key Vault Secrets User must be scoped to a Microsoft.KeyVault/vaults", "resource group"],
        },
      ],
    },
    {
      name: "fails when a Service Bus role is granted on the storage account",
      change: () =>
        edit(ROLES, [
          "  name: guid(serviceBusNamespace.id, principalId, roleIds.serviceBusDataSender)\n  scope: serviceBusNamespace",
          "  name: guid(serviceBusNamespace.id, principalId, roleIds.serviceBusDataSender)\n  scope: storageAccount",
        ]),
      finds: [
        {
          file: ROLES,
          says: ["Azure Service Bus Data Sender must be scoped", "not Microsoft.Storage/storageAccounts"],
        },
      ],
    },
    {
      name: "fails when the assignment name is not guid(scope, principalId, roleDefinitionId)",
      change: () => edit(ROLES, [SECRETS_USER_NAME, "name: guid(keyVault.id, principalId)"]),
      finds: [{ file: ROLES, says: ["secretsUser", "guid(scope, principalId, roleDefinitionId)"] }],
    },
    {
      name: "fails when the name hashes a different role than the one granted",
      change: () =>
        edit(ROLES, [
          SECRETS_USER_NAME,
          "name: guid(keyVault.id, principalId, roleIds.storageBlobDataOwner)",
        ]),
      finds: [{ file: ROLES, says: ["secretsUser", "guid(scope, principalId, roleDefinitionId)"] }],
    },
  ]);
});
