import { describe } from "vitest";

import {
  edit,
  FUNCTION_APP,
  itReports,
  KEY_VAULT,
  MAIN,
  NETWORK,
  PRIVATE_NETWORK,
  SERVICE_BUS,
  STORAGE,
} from "./helpers.js";

const PUBLIC_ACCESS = "publicNetworkAccess: isPrivate ? 'Disabled' : 'Enabled'";

describe("the private network (vnetEnabled)", () => {
  itReports("network", [
    ...[
      [STORAGE, "Microsoft.Storage/storageAccounts"],
      [SERVICE_BUS, "Microsoft.ServiceBus/namespaces"],
      [KEY_VAULT, "Microsoft.KeyVault/vaults"],
    ].map(([file, type]) => ({
      name: `fails when ${type} keeps public network access`,
      edits: edit(file!, [PUBLIC_ACCESS, "publicNetworkAccess: 'Enabled'"]),
      finds: [{ where: type, says: ["publicNetworkAccess must be 'Disabled'", "found 'Enabled'"] }],
      case: PRIVATE_NETWORK,
    })),
    {
      name: "fails when the queue service has no private endpoint",
      edits: edit(STORAGE, ["      'table'\n      'queue'\n", "      'table'\n"]),
      finds: [
        { where: "Microsoft.Storage/storageAccounts", says: ["no private endpoint reaches its queue"] },
      ],
      case: PRIVATE_NETWORK,
    },
    {
      name: "fails when an endpoint is in no private DNS zone",
      edits: edit("infra/modules/private-endpoints.bicep", [
        "for (groupId, index) in groupIds: {",
        "for (groupId, index) in groupIds: if (groupId != 'namespace') {",
      ]),
      finds: [{ where: "privateEndpoints", says: ["no private DNS zone", "namespace still resolves"] }],
      case: PRIVATE_NETWORK,
    },
    {
      name: "fails when a private DNS zone is not linked to the network",
      edits: edit(NETWORK, [
        "for (zone, index) in items(dnsZones): {\n    parent",
        "for (zone, index) in take(items(dnsZones), 3): {\n    parent",
      ]),
      finds: [{ says: ["every private DNS zone must be linked", "5 zones, 3 links"] }],
      case: PRIVATE_NETWORK,
    },
    {
      name: "fails when the app is not integrated with the network",
      edits: edit(MAIN, ["    subnetId: network.?outputs.appSubnetId\n", ""]),
      finds: [{ where: "Microsoft.Web/sites", says: ["virtualNetworkSubnetId must name the app's subnet"] }],
      case: PRIVATE_NETWORK,
    },
    {
      name: "fails when vnetEnabled deploys no network at all",
      edits: edit(MAIN, [
        "module network 'modules/network.bicep' = if (vnetEnabled) {",
        "module network 'modules/network.bicep' = if (!vnetEnabled) {",
      ]),
      finds: [
        { where: "Microsoft.KeyVault/vaults", says: ["no private endpoint reaches its vault"] },
        { says: ["every private DNS zone must be linked", "0 zones"] },
      ],
      case: PRIVATE_NETWORK,
      alone: true,
    },
  ]);
});

describe("diagnostic settings to the one Log Analytics workspace", () => {
  itReports("diagnostics", [
    {
      name: "fails when the function app sends nothing to the workspace",
      edits: edit(FUNCTION_APP, [
        "  scope: app\n  properties: toWorkspace(workspaceId, true)",
        "  scope: plan\n  properties: toWorkspace(workspaceId, true)",
      ]),
      finds: [
        {
          where: "Microsoft.Web/sites",
          says: ["no diagnostic setting sends it to the Log Analytics workspace"],
        },
      ],
    },
    {
      name: "fails when Service Bus sends its logs to another workspace",
      edits: edit(SERVICE_BUS, [
        "toWorkspace(workspaceId, true)",
        "toWorkspace('${workspaceId}-elsewhere', true)",
      ]),
      finds: [{ where: "Microsoft.ServiceBus/namespaces", says: ["no diagnostic setting sends it"] }],
    },
    {
      name: "fails when Key Vault sends metrics but no logs",
      edits: edit(KEY_VAULT, ["toWorkspace(workspaceId, true)", "toWorkspace(workspaceId, false)"]),
      finds: [{ where: "Microsoft.KeyVault/vaults", says: ["sends no logs"] }],
    },
    {
      name: "fails when the table service logs nowhere",
      edits: edit(STORAGE, [
        "  scope: tableService\n  properties: toWorkspace(workspaceId, true)",
        "  scope: tableService\n  properties: toWorkspace('', true)",
      ]),
      finds: [
        {
          where: "Microsoft.Storage/storageAccounts/tableServices",
          says: ["no diagnostic setting sends it"],
        },
      ],
    },
    {
      name: "fails in the private network case too",
      edits: edit(STORAGE, [
        "  scope: account\n  properties: toWorkspace(workspaceId, false)",
        "  scope: account\n  properties: toWorkspace(isPrivate ? '' : workspaceId, false)",
      ]),
      finds: [
        {
          where: "private network: Microsoft.Storage/storageAccounts ",
          says: ["no diagnostic setting sends it"],
        },
      ],
      case: PRIVATE_NETWORK,
    },
  ]);
});
