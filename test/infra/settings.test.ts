import { describe, expect, it } from "vitest";

import { checkAppSettings, unplannedSettings } from "../../infra/check/settings.js";
import { SETTING_NAMES } from "../../shared/config.js";
import { edit, expectFinding, findingsWith, FUNCTION_APP, original } from "./helpers.js";

/** The app settings block without one setting's line. */
function without(name: string): Record<string, string> {
  const text = original(FUNCTION_APP);
  const line = text.split("\n").find((candidate) => candidate.trimStart().startsWith(`${name}:`));
  if (line === undefined) throw new Error(`${name} is not set in ${FUNCTION_APP}`);
  return { [FUNCTION_APP]: text.replace(`${line}\n`, "") };
}

describe("app settings on the real templates", () => {
  it("pass", async () => {
    expect(await findingsWith(checkAppSettings)).toEqual([]);
  });

  it("cover every setting shared/config.ts reads", () => {
    expect(SETTING_NAMES.length).toBeGreaterThan(0);
    expect(unplannedSettings()).toEqual([]);
  });
});

describe("settings the code and the host need", () => {
  it.each([
    "WEBHOOK_SECRETS",
    "TABLES_ENDPOINT",
    "ServiceBusConnection__fullyQualifiedNamespace",
    "AzureWebJobsStorage__accountName",
    "AzureWebJobsStorage__credential",
    "ServiceBusConnection__clientId",
    "AZURE_CLIENT_ID",
    "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
    "INVITATION_TTL_DAYS",
    "SWEEP_SCHEDULE",
  ])("fail when %s is missing", async (name) => {
    const findings = await findingsWith(checkAppSettings, without(name));
    expectFinding(findings, { file: FUNCTION_APP, says: [`app setting ${name} is missing`] });
  });
});

describe("identity-based connections only", () => {
  it("fail when Table Storage is reached with a connection string", async () => {
    const findings = await findingsWith(
      checkAppSettings,
      edit(FUNCTION_APP, [
        "TABLES_ENDPOINT: storageTableEndpoint",
        "TABLES_CONNECTION: storageTableEndpoint",
      ]),
    );
    expectFinding(findings, { file: FUNCTION_APP, says: ["TABLES_CONNECTION must not be set"] });
    expectFinding(findings, { file: FUNCTION_APP, says: ["TABLES_ENDPOINT is missing"] });
  });

  it("fail when Service Bus is reached with a connection string", async () => {
    const findings = await findingsWith(
      checkAppSettings,
      edit(FUNCTION_APP, [
        "ServiceBusConnection__fullyQualifiedNamespace: serviceBusFullyQualifiedNamespace",
        "ServiceBusConnection: serviceBusFullyQualifiedNamespace",
      ]),
    );
    expectFinding(findings, { says: ["ServiceBusConnection must not be set"] });
    expectFinding(findings, { says: ["ServiceBusConnection__fullyQualifiedNamespace is missing"] });
  });

  it("fail when the host storage is a connection string", async () => {
    const findings = await findingsWith(
      checkAppSettings,
      edit(FUNCTION_APP, [
        "AzureWebJobsStorage__accountName: storageAccountName",
        "AzureWebJobsStorage: storageAccountName",
      ]),
    );
    expectFinding(findings, { says: ["AzureWebJobsStorage must not be set"] });
  });

  it("fail when a credential is not the managed identity", async () => {
    const findings = await findingsWith(
      checkAppSettings,
      edit(FUNCTION_APP, [
        "AzureWebJobsStorage__credential: 'managedidentity'",
        "AzureWebJobsStorage__credential: 'connectionstring'",
      ]),
    );
    expectFinding(findings, { says: ["AzureWebJobsStorage__credential must be 'managedidentity'"] });
  });

  it("fail when WEBHOOK_SECRETS holds a value instead of a Key Vault reference", async () => {
    const findings = await findingsWith(
      checkAppSettings,
      edit(FUNCTION_APP, [
        "WEBHOOK_SECRETS: '@Microsoft.KeyVault(SecretUri=${webhookKeyVaultUri})'",
        "WEBHOOK_SECRETS: webhookKeyVaultUri",
      ]),
    );
    expectFinding(findings, { says: ["WEBHOOK_SECRETS must be a Key Vault reference"] });
  });

  it("fail when telemetry authentication is not Entra ID", async () => {
    const findings = await findingsWith(
      checkAppSettings,
      edit(FUNCTION_APP, [
        "'ClientId=${identityClientId};Authorization=AAD'",
        "'ClientId=${identityClientId}'",
      ]),
    );
    expectFinding(findings, { says: ["APPLICATIONINSIGHTS_AUTHENTICATION_STRING must be"] });
  });

  it("fail on a setting nobody reads (a typo)", async () => {
    const findings = await findingsWith(
      checkAppSettings,
      edit(FUNCTION_APP, ["SWEEP_SCHEDULE: sweepSchedule", "SWEEP_SCHEDUEL: sweepSchedule"]),
    );
    expectFinding(findings, { says: ["SWEEP_SCHEDUEL is read neither"] });
    expectFinding(findings, { says: ["SWEEP_SCHEDULE is missing"] });
  });

  it("fail when there are no app settings at all", async () => {
    const findings = await findingsWith(
      checkAppSettings,
      edit(FUNCTION_APP, ["name: 'appsettings'", "name: 'web'"]),
    );
    expectFinding(findings, { says: ["no function app settings found"] });
  });
});
