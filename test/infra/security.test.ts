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
  KEY_VAULT,
  MAIN,
  MONITORING,
  original,
  SERVICE_BUS,
  STORAGE,
} from "./helpers.js";

describe("security properties on the real templates", () => {
  it.each([
    ["local-auth", checkLocalAuth],
    ["tls", checkTls],
    ["https-only", checkHttpsOnly],
    ["public-blob-access", checkPublicBlobAccess],
    ["ftps", checkFtps],
    ["key-vault", checkKeyVault],
    ["no-keys", checkNoKeys],
  ])("%s passes", async (_name, check) => {
    expect(await findingsWith(check)).toEqual([]);
  });
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

  it("fails when Application Insights accepts the instrumentation key alone", async () => {
    const findings = await findingsWith(
      checkLocalAuth,
      edit(MONITORING, ["DisableLocalAuth: true", "DisableLocalAuth: false"]),
    );
    expectFinding(findings, { file: MONITORING, says: ["properties.DisableLocalAuth"] });
  });

  it("fails when the storage account allows shared keys", async () => {
    const findings = await findingsWith(
      checkLocalAuth,
      edit(STORAGE, ["allowSharedKeyAccess: false", "allowSharedKeyAccess: true"]),
    );
    expectFinding(findings, { file: STORAGE, says: ["properties.allowSharedKeyAccess", "true"] });
  });

  it("fails when the protection is a parameter instead of a literal", async () => {
    const findings = await findingsWith(
      checkLocalAuth,
      edit(
        SERVICE_BUS,
        ["disableLocalAuth: true", "disableLocalAuth: disableLocalAuth"],
        ["var topology", "@description('x')\nparam disableLocalAuth bool = true\n\nvar topology"],
      ),
    );
    expectFinding(findings, {
      file: SERVICE_BUS,
      says: ["properties.disableLocalAuth", "must be the literal true"],
    });
  });

  it("fails when the property is left out", async () => {
    const findings = await findingsWith(checkLocalAuth, edit(SERVICE_BUS, ["disableLocalAuth: true\n", ""]));
    expectFinding(findings, { file: SERVICE_BUS, says: ["properties.disableLocalAuth", "absent"] });
  });
});

describe("TLS 1.2 minimums", () => {
  it("fails on storage TLS 1.0", async () => {
    const findings = await findingsWith(
      checkTls,
      edit(STORAGE, ["minimumTlsVersion: 'TLS1_2'", "minimumTlsVersion: 'TLS1_0'"]),
    );
    expectFinding(findings, { file: STORAGE, says: ["properties.minimumTlsVersion", "'TLS1_2'"] });
  });

  it("fails on Service Bus TLS 1.0", async () => {
    const findings = await findingsWith(
      checkTls,
      edit(SERVICE_BUS, ["minimumTlsVersion: '1.2'", "minimumTlsVersion: '1.0'"]),
    );
    expectFinding(findings, { file: SERVICE_BUS, says: ["properties.minimumTlsVersion", "'1.2'"] });
  });

  it("fails on function app TLS 1.1", async () => {
    const findings = await findingsWith(
      checkTls,
      edit(FUNCTION_APP, ["minTlsVersion: '1.2'", "minTlsVersion: '1.1'"]),
    );
    expectFinding(findings, { file: FUNCTION_APP, says: ["properties.siteConfig.minTlsVersion"] });
  });

  it("fails on a deployment endpoint below TLS 1.2", async () => {
    const findings = await findingsWith(
      checkTls,
      edit(FUNCTION_APP, ["scmMinTlsVersion: '1.2'", "scmMinTlsVersion: '1.0'"]),
    );
    expectFinding(findings, { file: FUNCTION_APP, says: ["properties.siteConfig.scmMinTlsVersion"] });
  });
});

describe("HTTPS only", () => {
  it("fails when storage accepts HTTP", async () => {
    const findings = await findingsWith(
      checkHttpsOnly,
      edit(STORAGE, ["supportsHttpsTrafficOnly: true", "supportsHttpsTrafficOnly: false"]),
    );
    expectFinding(findings, { file: STORAGE, says: ["properties.supportsHttpsTrafficOnly"] });
  });

  it("fails when the function app accepts HTTP", async () => {
    const findings = await findingsWith(
      checkHttpsOnly,
      edit(FUNCTION_APP, ["httpsOnly: true", "httpsOnly: false"]),
    );
    expectFinding(findings, { file: FUNCTION_APP, says: ["properties.httpsOnly"] });
  });
});

describe("public blob access off", () => {
  it("fails when the account allows public blob access", async () => {
    const findings = await findingsWith(
      checkPublicBlobAccess,
      edit(STORAGE, ["allowBlobPublicAccess: false", "allowBlobPublicAccess: true"]),
    );
    expectFinding(findings, { file: STORAGE, says: ["properties.allowBlobPublicAccess"] });
  });

  it("fails when a container is public", async () => {
    const findings = await findingsWith(
      checkPublicBlobAccess,
      edit(STORAGE, ["publicAccess: 'None'", "publicAccess: 'Blob'"]),
    );
    expectFinding(findings, { file: STORAGE, says: ["properties.publicAccess", "'Blob'"] });
  });
});

describe("FTPS disabled", () => {
  it("fails when FTPS is allowed", async () => {
    const findings = await findingsWith(
      checkFtps,
      edit(FUNCTION_APP, ["ftpsState: 'Disabled'", "ftpsState: 'FtpsOnly'"]),
    );
    expectFinding(findings, { file: FUNCTION_APP, says: ["properties.siteConfig.ftpsState", "'FtpsOnly'"] });
  });

  it("fails when basic publishing credentials are allowed", async () => {
    const text = original(FUNCTION_APP).replace("allow: false", "allow: true");
    const findings = await findingsWith(checkFtps, { [FUNCTION_APP]: text });
    expectFinding(findings, { file: FUNCTION_APP, says: ["ftpPublishing", "properties.allow"] });
  });
});

describe("Key Vault hardening", () => {
  it.each([
    ["enableRbacAuthorization: true", "enableRbacAuthorization: false", "properties.enableRbacAuthorization"],
    ["enableSoftDelete: true", "enableSoftDelete: false", "properties.enableSoftDelete"],
    ["enablePurgeProtection: true", "enablePurgeProtection: false", "properties.enablePurgeProtection"],
  ])("fails on %s turned off", async (from, to, named) => {
    const findings = await findingsWith(checkKeyVault, edit(KEY_VAULT, [from, to]));
    expectFinding(findings, { file: KEY_VAULT, says: [named] });
  });
});

describe("a required resource type disappears", () => {
  it("reports that local auth cannot be verified without a Service Bus namespace", async () => {
    const findings = await findingsWith(
      checkLocalAuth,
      edit(SERVICE_BUS, ["'Microsoft.ServiceBus/namespaces@", "'Microsoft.EventHub/namespaces@"]),
    );
    expectFinding(findings, { says: ["no Microsoft.ServiceBus/namespaces resource", "disableLocalAuth"] });
  });
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

  it("fails on another list action such as listConnectionStrings()", async () => {
    const findings = await findingsWith(
      checkNoKeys,
      edit(MAIN, [
        "var deploymentContainerName",
        "var leaked = listConnectionStrings(rg.id, '2020-01-01')\nvar deploymentContainerName",
      ]),
    );
    expectFinding(findings, { file: MAIN, says: ["listConnectionStrings()"] });
  });

  it("fails on a connection string with an account key", async () => {
    const findings = await findingsWith(
      checkNoKeys,
      edit(FUNCTION_APP, [
        "TABLES_ENDPOINT: storageTableEndpoint",
        "TABLES_ENDPOINT: 'DefaultEndpointsProtocol=https;AccountName=${storageAccountName};AccountKey=${identityClientId}'",
      ]),
    );
    expectFinding(findings, { file: FUNCTION_APP, says: ["connection string with a key", "accountkey"] });
  });

  it("fails on a Service Bus connection string with a SAS key", async () => {
    const findings = await findingsWith(
      checkNoKeys,
      edit(FUNCTION_APP, [
        "ServiceBusConnection__credential: 'managedidentity'",
        "ServiceBusConnection__credential: 'Endpoint=sb:x;SharedAccessKeyName=root;SharedAccessKey=abc'",
      ]),
    );
    expectFinding(findings, { file: FUNCTION_APP, says: ["sharedaccesskey"] });
  });
});
