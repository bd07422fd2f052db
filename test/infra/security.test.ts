import { describe, expect, it } from "vitest";

import { checkNoKeys } from "../../infra/check/keys.js";
import {
  checkFtps,
  checkHttpsOnly,
  checkKeyVault,
  checkLocalAuth,
  checkPublicBlobAccess,
  checkTls,
} from "../../infra/check/security.js";
import {
  edit,
  expectFinding,
  findingsWith,
  FUNCTION_APP,
  itPassesOnTheRealTemplates,
  itReports,
  KEY_VAULT,
  MAIN,
  MONITORING,
  original,
  SERVICE_BUS,
  STORAGE,
} from "./helpers.js";

describe("security properties on the real templates", () => {
  itPassesOnTheRealTemplates([
    ["local-auth", checkLocalAuth],
    ["tls", checkTls],
    ["https-only", checkHttpsOnly],
    ["public-blob-access", checkPublicBlobAccess],
    ["ftps", checkFtps],
    ["key-vault", checkKeyVault],
    ["no-keys", checkNoKeys],
  ]);
});

describe("local auth off", () => {
  it("fails when Service Bus allows SAS keys", async () => {
    const findings = await findingsWith(
      checkLocalAuth,
      edit(SERVICE_BUS, ["disableLocalAuth: true", "disableLocalAuth: false"]),
    );
    const finding = expectFinding(findings, {
      file: SERVICE_BUS,
      says: ["properties.disableLocalAuth", "false"],
    });
    expect(finding.line).toBeGreaterThan(0);
  });

  itReports(checkLocalAuth, [
    {
      name: "fails when Application Insights accepts the instrumentation key alone",
      change: () => edit(MONITORING, ["DisableLocalAuth: true", "DisableLocalAuth: false"]),
      finds: [{ file: MONITORING, says: ["properties.DisableLocalAuth"] }],
    },
    {
      name: "fails when the storage account allows shared keys",
      change: () => edit(STORAGE, ["allowSharedKeyAccess: false", "allowSharedKeyAccess: true"]),
      finds: [{ file: STORAGE, says: ["properties.allowSharedKeyAccess", "true"] }],
    },
    {
      name: "fails when the protection is a parameter instead of a literal",
      change: () =>
        edit(
          SERVICE_BUS,
          ["disableLocalAuth: true", "disableLocalAuth: disableLocalAuth"],
          ["var topology", "@description('x')\nparam disableLocalAuth bool = true\n\nvar topology"],
        ),
      finds: [{ file: SERVICE_BUS, says: ["properties.disableLocalAuth", "must be the literal true"] }],
    },
    {
      name: "fails when the property is left out",
      change: () => edit(SERVICE_BUS, ["disableLocalAuth: true\n", ""]),
      finds: [{ file: SERVICE_BUS, says: ["properties.disableLocalAuth", "absent"] }],
    },
  ]);
});

describe("TLS 1.2 minimums", () => {
  itReports(checkTls, [
    {
      name: "fails on storage TLS 1.0",
      change: () => edit(STORAGE, ["minimumTlsVersion: 'TLS1_2'", "minimumTlsVersion: 'TLS1_0'"]),
      finds: [{ file: STORAGE, says: ["properties.minimumTlsVersion", "'TLS1_2'"] }],
    },
    {
      name: "fails on Service Bus TLS 1.0",
      change: () => edit(SERVICE_BUS, ["minimumTlsVersion: '1.2'", "minimumTlsVersion: '1.0'"]),
      finds: [{ file: SERVICE_BUS, says: ["properties.minimumTlsVersion", "'1.2'"] }],
    },
    {
      name: "fails on function app TLS 1.1",
      change: () => edit(FUNCTION_APP, ["minTlsVersion: '1.2'", "minTlsVersion: '1.1'"]),
      finds: [{ file: FUNCTION_APP, says: ["properties.siteConfig.minTlsVersion"] }],
    },
    {
      name: "fails on a deployment endpoint below TLS 1.2",
      change: () => edit(FUNCTION_APP, ["scmMinTlsVersion: '1.2'", "scmMinTlsVersion: '1.0'"]),
      finds: [{ file: FUNCTION_APP, says: ["properties.siteConfig.scmMinTlsVersion"] }],
    },
  ]);
});

describe("HTTPS only", () => {
  itReports(checkHttpsOnly, [
    {
      name: "fails when storage accepts HTTP",
      change: () => edit(STORAGE, ["supportsHttpsTrafficOnly: true", "supportsHttpsTrafficOnly: false"]),
      finds: [{ file: STORAGE, says: ["properties.supportsHttpsTrafficOnly"] }],
    },
    {
      name: "fails when the function app accepts HTTP",
      change: () => edit(FUNCTION_APP, ["httpsOnly: true", "httpsOnly: false"]),
      finds: [{ file: FUNCTION_APP, says: ["properties.httpsOnly"] }],
    },
  ]);
});

describe("public blob access off", () => {
  itReports(checkPublicBlobAccess, [
    {
      name: "fails when the account allows public blob access",
      change: () => edit(STORAGE, ["allowBlobPublicAccess: false", "allowBlobPublicAccess: true"]),
      finds: [{ file: STORAGE, says: ["properties.allowBlobPublicAccess"] }],
    },
    {
      name: "fails when a container is public",
      change: () => edit(STORAGE, ["publicAccess: 'None'", "publicAccess: 'Blob'"]),
      finds: [{ file: STORAGE, says: ["properties.publicAccess", "'Blob'"] }],
    },
  ]);
});

describe("FTPS disabled", () => {
  itReports(checkFtps, [
    {
      name: "fails when FTPS is allowed",
      change: () => edit(FUNCTION_APP, ["ftpsState: 'Disabled'", "ftpsState: 'FtpsOnly'"]),
      finds: [{ file: FUNCTION_APP, says: ["properties.siteConfig.ftpsState", "'FtpsOnly'"] }],
    },
    {
      name: "fails when basic publishing credentials are allowed",
      change: () => ({ [FUNCTION_APP]: original(FUNCTION_APP).replace("allow: false", "allow: true") }),
      finds: [{ file: FUNCTION_APP, says: ["ftpPublishing", "properties.allow"] }],
    },
  ]);
});

describe("Key Vault hardening", () => {
  itReports(
    checkKeyVault,
    ["enableRbacAuthorization", "enableSoftDelete", "enablePurgeProtection"].map((property) => ({
      name: `fails on ${property}: true turned off`,
      change: () => edit(KEY_VAULT, [`${property}: true`, `${property}: false`]),
      finds: [{ file: KEY_VAULT, says: [`properties.${property}`] }],
    })),
  );
});

describe("a required resource type disappears", () => {
  itReports(checkLocalAuth, [
    {
      name: "reports that local auth cannot be verified without a Service Bus namespace",
      change: () =>
        edit(SERVICE_BUS, ["'Microsoft.ServiceBus/namespaces@", "'Microsoft.EventHub/namespaces@"]),
      finds: [{ says: ["no Microsoft.ServiceBus/namespaces resource", "disableLocalAuth"] }],
    },
  ]);
});

describe("no keys anywhere", () => {
  it("fails on listKeys()", async () => {
    const findings = await findingsWith(
      checkNoKeys,
      edit(STORAGE, [
        "output name string = account.name",
        "output name string = account.name\n\n@description('x')\noutput key string = account.listKeys().keys[0].value",
      ]),
    );
    const finding = expectFinding(findings, { file: STORAGE, says: ["listKeys()"] });
    expect(finding.line).toBeGreaterThan(1);
  });

  itReports(checkNoKeys, [
    {
      name: "fails on another list action such as listConnectionStrings()",
      change: () =>
        edit(MAIN, [
          "var deploymentContainerName",
          "var leaked = listConnectionStrings(rg.id, '2020-01-01')\nvar deploymentContainerName",
        ]),
      finds: [{ file: MAIN, says: ["listConnectionStrings()"] }],
    },
    {
      name: "fails on a connection string with an account key",
      change: () =>
        edit(FUNCTION_APP, [
          "TABLES_ENDPOINT: storageTableEndpoint",
          "TABLES_ENDPOINT: 'DefaultEndpointsProtocol=https;AccountName=${storageAccountName};AccountKey=${identityClientId}'",
        ]),
      finds: [{ file: FUNCTION_APP, says: ["connection string with a key", "accountkey"] }],
    },
    {
      name: "fails on a Service Bus connection string with a SAS key",
      change: () =>
        edit(FUNCTION_APP, [
          "ServiceBusConnection__credential: 'managedidentity'",
          "ServiceBusConnection__credential: 'Endpoint=sb:x;SharedAccessKeyName=root;SharedAccessKey=abc'",
        ]),
      finds: [{ file: FUNCTION_APP, says: ["sharedaccesskey"] }],
    },
  ]);
});
