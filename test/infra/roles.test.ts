import { describe, expect, it } from "vitest";

import { ALLOWED_ROLES, checkRoleAssignments, FORBIDDEN_ROLES } from "../../infra/check/roles.js";
import { edit, expectFinding, findingsWith, MAIN, original, ROLES } from "./helpers.js";

const SENDER = "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39";
const SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";
const QUEUE_DATA_CONTRIBUTOR = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";

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
  it.each(Object.entries(FORBIDDEN_ROLES))(
    "fails when %s (%s) replaces a granted role",
    async (roleId, role) => {
      const findings = await findingsWith(
        checkRoleAssignments,
        edit(ROLES, [`serviceBusDataSender: '${SENDER}'`, `serviceBusDataSender: '${roleId}'`]),
      );
      expectFinding(findings, { file: ROLES, says: [`the forbidden role ${role}`, roleId] });
      expectFinding(findings, { says: ["Azure Service Bus Data Sender", "is never granted"] });
    },
  );

  it("fails when a forbidden role id is merely written down", async () => {
    const owner = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
    const findings = await findingsWith(
      checkRoleAssignments,
      edit(MAIN, ["var deploymentContainerName", `var spare = '${owner}'\nvar deploymentContainerName`]),
    );
    expectFinding(findings, { file: MAIN, says: ["the forbidden role Owner"] });
  });
});

describe("exactly the allowed set", () => {
  it("fails on a role outside the set (Storage Queue Data Contributor)", async () => {
    const findings = await findingsWith(
      checkRoleAssignments,
      edit(ROLES, [`serviceBusDataSender: '${SENDER}'`, `serviceBusDataSender: '${QUEUE_DATA_CONTRIBUTOR}'`]),
    );
    expectFinding(findings, {
      file: ROLES,
      says: ["a role outside the allowed set", QUEUE_DATA_CONTRIBUTOR],
    });
  });

  it("fails when a needed role is not granted", async () => {
    const text = original(ROLES);
    const start = text.indexOf("resource secretsUser");
    const findings = await findingsWith(checkRoleAssignments, { [ROLES]: text.slice(0, start) });
    expectFinding(findings, { says: ["Key Vault Secrets User", SECRETS_USER, "is never granted"] });
  });

  it("fails when the role id cannot be traced to the role map", async () => {
    const findings = await findingsWith(
      checkRoleAssignments,
      edit(ROLES, [
        "roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsUser)",
        "roleDefinitionId: principalId",
      ]),
    );
    expectFinding(findings, { file: ROLES, says: ["secretsUser", "must resolve to one built-in role id"] });
  });
});

describe("scope and name", () => {
  it("fails when Key Vault Secrets User is granted on the whole resource group", async () => {
    const findings = await findingsWith(checkRoleAssignments, edit(ROLES, ["  scope: keyVault\n", ""]));
    expectFinding(findings, {
      file: ROLES,
      says: ["Key Vault Secrets User must be scoped to a Microsoft.KeyVault/vaults", "resource group"],
    });
  });

  it("fails when a Service Bus role is granted on the storage account", async () => {
    const findings = await findingsWith(
      checkRoleAssignments,
      edit(ROLES, [
        "  name: guid(serviceBusNamespace.id, principalId, roleIds.serviceBusDataSender)\n  scope: serviceBusNamespace",
        "  name: guid(serviceBusNamespace.id, principalId, roleIds.serviceBusDataSender)\n  scope: storageAccount",
      ]),
    );
    expectFinding(findings, {
      file: ROLES,
      says: ["Azure Service Bus Data Sender must be scoped", "not Microsoft.Storage/storageAccounts"],
    });
  });

  it("fails when the assignment name is not guid(scope, principalId, roleDefinitionId)", async () => {
    const findings = await findingsWith(
      checkRoleAssignments,
      edit(ROLES, [
        "name: guid(keyVault.id, principalId, roleIds.keyVaultSecretsUser)",
        "name: guid(keyVault.id, principalId)",
      ]),
    );
    expectFinding(findings, {
      file: ROLES,
      says: ["secretsUser", "guid(scope, principalId, roleDefinitionId)"],
    });
  });

  it("fails when the name hashes a different role than the one granted", async () => {
    const findings = await findingsWith(
      checkRoleAssignments,
      edit(ROLES, [
        "name: guid(keyVault.id, principalId, roleIds.keyVaultSecretsUser)",
        "name: guid(keyVault.id, principalId, roleIds.storageBlobDataOwner)",
      ]),
    );
    expectFinding(findings, {
      file: ROLES,
      says: ["secretsUser", "guid(scope, principalId, roleDefinitionId)"],
    });
  });
});
