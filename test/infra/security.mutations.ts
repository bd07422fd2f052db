import { describe } from "vitest";

import { FORBIDDEN_ROLES } from "../../infra/check/roles.js";
import type { Edit } from "./helpers.js";
import {
  edit,
  FUNCTION_APP,
  itReports,
  KEY_VAULT,
  MAIN,
  MONITORING,
  ROLES,
  SERVICE_BUS,
  STORAGE,
} from "./helpers.js";

const SENDER = "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39";
const QUEUE_DATA_CONTRIBUTOR = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";

/** roles.bicep with the Service Bus Data Sender grant given another role id. */
function senderReplacedBy(roleId: string): Edit[] {
  return edit(ROLES, [`serviceBusDataSender: '${SENDER}'`, `serviceBusDataSender: '${roleId}'`]);
}

describe("local auth off", () => {
  itReports("local-auth", [
    {
      name: "fails when Service Bus allows SAS keys",
      edits: edit(SERVICE_BUS, ["disableLocalAuth: true", "disableLocalAuth: false"]),
      finds: [
        { where: "Microsoft.ServiceBus/namespaces", says: ["properties.disableLocalAuth", "found false"] },
      ],
    },
    {
      name: "fails when Application Insights accepts the instrumentation key alone",
      edits: edit(MONITORING, ["DisableLocalAuth: true", "DisableLocalAuth: false"]),
      finds: [{ where: "Microsoft.Insights/components", says: ["properties.DisableLocalAuth"] }],
    },
    {
      name: "fails when the storage account allows shared keys",
      edits: edit(STORAGE, ["allowSharedKeyAccess: false", "allowSharedKeyAccess: true"]),
      finds: [
        { where: "Microsoft.Storage/storageAccounts", says: ["properties.allowSharedKeyAccess", "true"] },
      ],
    },
    {
      name: "fails when the property is left out",
      edits: edit(SERVICE_BUS, ["    disableLocalAuth: true\n", ""]),
      finds: [{ says: ["properties.disableLocalAuth", "found absent"] }],
    },
    {
      name: "fails when a parameter switches the protection off",
      edits: edit(SERVICE_BUS, ["disableLocalAuth: true", "disableLocalAuth: isPrivate"]),
      finds: [{ says: ["properties.disableLocalAuth", "found false"] }],
    },
    {
      name: "reports that local auth cannot be verified without a Service Bus namespace",
      edits: edit(MAIN, [
        "module serviceBus 'modules/servicebus.bicep' = {",
        "module serviceBus 'modules/servicebus.bicep' = if (vnetEnabled) {",
      ]),
      finds: [{ says: ["no Microsoft.ServiceBus/namespaces resource", "disableLocalAuth"] }],
      alone: true,
    },
  ]);
});

describe("TLS 1.2 minimums", () => {
  itReports("tls", [
    {
      name: "fails on storage TLS 1.0",
      edits: edit(STORAGE, ["minimumTlsVersion: 'TLS1_2'", "minimumTlsVersion: 'TLS1_0'"]),
      finds: [
        { where: "Microsoft.Storage/storageAccounts", says: ["properties.minimumTlsVersion", "'TLS1_2'"] },
      ],
    },
    {
      name: "fails on Service Bus TLS 1.0",
      edits: edit(SERVICE_BUS, ["minimumTlsVersion: '1.2'", "minimumTlsVersion: '1.0'"]),
      finds: [{ where: "Microsoft.ServiceBus/namespaces", says: ["properties.minimumTlsVersion", "'1.2'"] }],
    },
    {
      name: "fails on function app TLS 1.1",
      edits: edit(FUNCTION_APP, ["      minTlsVersion: '1.2'", "      minTlsVersion: '1.1'"]),
      finds: [{ where: "Microsoft.Web/sites", says: ["properties.siteConfig.minTlsVersion"] }],
    },
    {
      name: "fails on a deployment endpoint below TLS 1.2",
      edits: edit(FUNCTION_APP, ["scmMinTlsVersion: '1.2'", "scmMinTlsVersion: '1.0'"]),
      finds: [{ where: "Microsoft.Web/sites", says: ["properties.siteConfig.scmMinTlsVersion"] }],
    },
  ]);
});

describe("HTTPS only, no public blobs, FTPS off", () => {
  itReports("https-only", [
    {
      name: "fails when storage accepts HTTP",
      edits: edit(STORAGE, ["supportsHttpsTrafficOnly: true", "supportsHttpsTrafficOnly: false"]),
      finds: [{ says: ["properties.supportsHttpsTrafficOnly"] }],
    },
    {
      name: "fails when the function app accepts HTTP",
      edits: edit(FUNCTION_APP, ["httpsOnly: true", "httpsOnly: false"]),
      finds: [{ where: "Microsoft.Web/sites", says: ["properties.httpsOnly"] }],
    },
  ]);
  itReports("public-blob-access", [
    {
      name: "fails when the account allows public blob access",
      edits: edit(STORAGE, ["allowBlobPublicAccess: false", "allowBlobPublicAccess: true"]),
      finds: [{ says: ["properties.allowBlobPublicAccess"] }],
    },
    {
      name: "fails when a container is public",
      edits: edit(STORAGE, ["publicAccess: 'None'", "publicAccess: 'Blob'"]),
      finds: [{ where: "containers", says: ["properties.publicAccess", "'Blob'"] }],
    },
  ]);
  itReports("ftps", [
    {
      name: "fails when FTPS is allowed",
      edits: edit(FUNCTION_APP, ["ftpsState: 'Disabled'", "ftpsState: 'FtpsOnly'"]),
      finds: [{ says: ["properties.siteConfig.ftpsState", "'FtpsOnly'"] }],
    },
    {
      name: "fails when basic publishing credentials are allowed",
      edits: edit(FUNCTION_APP, [
        "name: 'ftp'\n    properties: {\n      allow: false",
        "name: 'ftp'\n    properties: {\n      allow: true",
      ]),
      finds: [{ where: "/ftp", says: ["properties.allow"] }],
    },
  ]);
});

describe("Key Vault hardening", () => {
  itReports(
    "key-vault",
    ["enableRbacAuthorization", "enableSoftDelete", "enablePurgeProtection"].map((property) => ({
      name: `fails on ${property}: true turned off`,
      edits: edit(KEY_VAULT, [`${property}: true`, `${property}: false`]),
      finds: [{ where: "Microsoft.KeyVault/vaults", says: [`properties.${property}`] }],
    })),
  );
});

describe("no keys anywhere", () => {
  itReports("no-keys", [
    {
      name: "fails on listKeys()",
      edits: edit(STORAGE, [
        "    publicAccess: 'None'\n",
        "    publicAccess: 'None'\n    metadata: {\n      keys: string(length(account.listKeys().keys))\n    }\n",
      ]),
      finds: [{ says: ["listKeys() reads keys"] }],
    },
    {
      name: "fails on a connection string with an account key",
      edits: edit(FUNCTION_APP, [
        "TABLES_ENDPOINT: storageTableEndpoint",
        "TABLES_ENDPOINT: 'TableEndpoint=${storageTableEndpoint};AccountKey=${identityClientId}'",
      ]),
      finds: [{ says: ["connection string with a key", "accountkey"] }],
    },
  ]);
});

describe("least privilege", () => {
  itReports("roles", [
    ...Object.entries(FORBIDDEN_ROLES).map(([roleId, role]) => ({
      name: `fails when ${role} replaces a granted role`,
      edits: senderReplacedBy(roleId),
      finds: [
        { where: "roleAssignments", says: [`the forbidden role ${role}`, roleId] },
        { says: ["Azure Service Bus Data Sender", "is never granted"] },
      ],
    })),
    {
      name: "fails when a forbidden role id is merely written down",
      edits: edit(MAIN, [
        "output AZURE_LOCATION string = location",
        "output AZURE_LOCATION string = '${location}8e3af657-a8ff-443c-a75c-2fe8c4bcb635'",
      ]),
      finds: [{ says: ["the forbidden role Owner"] }],
    },
    {
      name: "fails on a role outside the set (Storage Queue Data Contributor)",
      edits: senderReplacedBy(QUEUE_DATA_CONTRIBUTOR),
      finds: [{ says: ["a role outside the allowed set", QUEUE_DATA_CONTRIBUTOR] }],
    },
    {
      name: "fails when a needed role is not granted",
      edits: edit(ROLES, [
        "roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsUser)",
        "roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.monitoringMetricsPublisher)",
      ]),
      finds: [{ says: ["Key Vault Secrets User", "is never granted"] }],
    },
    {
      name: "fails when Storage Table Data Contributor is granted on the whole resource group",
      edits: edit(ROLES, [
        "  scope: storageAccount\n  properties: {\n    roleDefinitionId: subscriptionResourceId(\n",
        "  properties: {\n    roleDefinitionId: subscriptionResourceId(\n",
      ]),
      finds: [
        {
          says: [
            "Storage Table Data Contributor must be scoped to a Microsoft.Storage/storageAccounts",
            "not the resource group or subscription as a whole",
          ],
        },
      ],
    },
    {
      name: "fails when a Service Bus role is granted on the storage account",
      edits: edit(ROLES, [
        "  name: guid(serviceBusNamespace.id, principalId, roleIds.serviceBusDataReceiver)\n  scope: serviceBusNamespace",
        "  name: guid(serviceBusNamespace.id, principalId, roleIds.serviceBusDataReceiver)\n  scope: storageAccount",
      ]),
      finds: [
        { says: ["Azure Service Bus Data Receiver must be scoped", "not Microsoft.Storage/storageAccounts"] },
      ],
    },
    {
      name: "fails when the assignment name is not guid(scope, principalId, roleDefinitionId)",
      edits: edit(ROLES, [
        "name: guid(storageAccount.id, principalId, roleIds.storageBlobDataOwner)",
        "name: guid(storageAccount.id, principalId)",
      ]),
      finds: [{ says: ["guid(scope, principalId, roleDefinitionId) for Storage Blob Data Owner"] }],
    },
  ]);
});
