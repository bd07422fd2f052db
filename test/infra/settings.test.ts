import { describe, expect, it } from "vitest";

import { checkAppSettings, unplannedSettings } from "../../infra/check/settings.js";
import { SETTING_NAMES } from "../../shared/config.js";
import { edit, FUNCTION_APP, itPassesOnTheRealTemplates, itReports, original } from "./helpers.js";

/** The app settings block without one setting's line. */
function without(name: string): Record<string, string> {
  const text = original(FUNCTION_APP);
  const line = text.split("\n").find((candidate) => candidate.trimStart().startsWith(`${name}:`));
  if (line === undefined) throw new Error(`${name} is not set in ${FUNCTION_APP}`);
  return { [FUNCTION_APP]: text.replace(`${line}\n`, "") };
}

describe("app settings on the real templates", () => {
  itPassesOnTheRealTemplates([["app-settings", checkAppSettings]]);

  it("cover every setting shared/config.ts reads", () => {
    expect(SETTING_NAMES.length).toBeGreaterThan(0);
    expect(unplannedSettings()).toEqual([]);
  });
});

describe("settings the code and the host need", () => {
  itReports(
    checkAppSettings,
    [
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
    ].map((name) => ({
      name: `fail when ${name} is missing`,
      change: () => without(name),
      finds: [{ file: FUNCTION_APP, says: [`app setting ${name} is missing`] }],
    })),
  );
});

describe("identity-based connections only", () => {
  itReports(checkAppSettings, [
    {
      name: "fail when Table Storage is reached with a connection string",
      change: () =>
        edit(FUNCTION_APP, [
          "TABLES_ENDPOINT: storageTableEndpoint",
          "TABLES_CONNECTION: storageTableEndpoint",
        ]),
      finds: [
        { file: FUNCTION_APP, says: ["TABLES_CONNECTION must not be set"] },
        { file: FUNCTION_APP, says: ["TABLES_ENDPOINT is missing"] },
      ],
    },
    {
      name: "fail when Service Bus is reached with a connection string",
      change: () =>
        edit(FUNCTION_APP, [
          "ServiceBusConnection__fullyQualifiedNamespace: serviceBusFullyQualifiedNamespace",
          "ServiceBusConnection: serviceBusFullyQualifiedNamespace",
        ]),
      finds: [
        { says: ["ServiceBusConnection must not be set"] },
        { says: ["ServiceBusConnection__fullyQualifiedNamespace is missing"] },
      ],
    },
    {
      name: "fail when the host storage is a connection string",
      change: () =>
        edit(FUNCTION_APP, [
          "AzureWebJobsStorage__accountName: storageAccountName",
          "AzureWebJobsStorage: storageAccountName",
        ]),
      finds: [{ says: ["AzureWebJobsStorage must not be set"] }],
    },
    {
      name: "fail when a credential is not the managed identity",
      change: () =>
        edit(FUNCTION_APP, [
          "AzureWebJobsStorage__credential: 'managedidentity'",
          "AzureWebJobsStorage__credential: 'connectionstring'",
        ]),
      finds: [{ says: ["AzureWebJobsStorage__credential must be 'managedidentity'"] }],
    },
    {
      name: "fail when WEBHOOK_SECRETS holds a value instead of a Key Vault reference",
      change: () =>
        edit(FUNCTION_APP, [
          "WEBHOOK_SECRETS: '@Microsoft.KeyVault(SecretUri=${webhookKeyVaultUri})'",
          "WEBHOOK_SECRETS: webhookKeyVaultUri",
        ]),
      finds: [{ says: ["WEBHOOK_SECRETS must be a Key Vault reference"] }],
    },
    {
      name: "fail when telemetry authentication is not Entra ID",
      change: () =>
        edit(FUNCTION_APP, [
          "'ClientId=${identityClientId};Authorization=AAD'",
          "'ClientId=${identityClientId}'",
        ]),
      finds: [{ says: ["APPLICATIONINSIGHTS_AUTHENTICATION_STRING must be"] }],
    },
    {
      name: "fail on a setting nobody reads (a typo)",
      change: () => edit(FUNCTION_APP, ["SWEEP_SCHEDULE: sweepSchedule", "SWEEP_SCHEDUEL: sweepSchedule"]),
      finds: [{ says: ["SWEEP_SCHEDUEL is read neither"] }, { says: ["SWEEP_SCHEDULE is missing"] }],
    },
    {
      name: "fail when there are no app settings at all",
      change: () => edit(FUNCTION_APP, ["name: 'appsettings'", "name: 'web'"]),
      finds: [{ says: ["no function app settings found"] }],
    },
  ]);
});
