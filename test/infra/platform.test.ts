import { describe } from "vitest";

import { checkAlerts, checkFunctionApp } from "../../infra/check/platform.js";
import { ALERTS, edit, FUNCTION_APP, itPassesOnTheRealTemplates, itReports } from "./helpers.js";

describe("function app on the real templates", () => {
  itPassesOnTheRealTemplates([["function-app", checkFunctionApp]]);

  itReports(checkFunctionApp, [
    {
      name: "fails off the Flex Consumption plan",
      change: () => edit(FUNCTION_APP, ["name: 'FC1'", "name: 'Y1'"]),
      finds: [{ file: FUNCTION_APP, says: ["sku.name", "'FC1'"] }],
    },
    {
      name: "fails on another Node version",
      change: () => edit(FUNCTION_APP, ["version: '20'", "version: '18'"]),
      finds: [{ file: FUNCTION_APP, says: ["functionAppConfig.runtime.version"] }],
    },
    {
      name: "fails when the deployment package is read with a storage key",
      change: () =>
        edit(FUNCTION_APP, ["type: 'UserAssignedIdentity'", "type: 'StorageAccountConnectionString'"]),
      finds: [{ file: FUNCTION_APP, says: ["deployment.storage.authentication.type"] }],
    },
    {
      name: "fails when Key Vault references have no identity to resolve with",
      change: () => edit(FUNCTION_APP, ["    keyVaultReferenceIdentity: identityId\n", ""]),
      finds: [{ file: FUNCTION_APP, says: ["keyVaultReferenceIdentity"] }],
    },
  ]);
});

describe("alerts on the real templates", () => {
  itPassesOnTheRealTemplates([["alerts", checkAlerts]]);

  itReports(checkAlerts, [
    {
      name: "fail without a dead-letter alert",
      change: () => edit(ALERTS, ["metricName: 'DeadletteredMessages'", "metricName: 'ActiveMessages'"]),
      finds: [{ says: ["DeadletteredMessages > 0"] }],
    },
    {
      name: "fail when the dead-letter alert needs more than one message",
      change: () =>
        edit(ALERTS, [
          "timeAggregation: 'Maximum'\n          operator: 'GreaterThan'\n          threshold: 0",
          "timeAggregation: 'Maximum'\n          operator: 'GreaterThan'\n          threshold: 10",
        ]),
      finds: [{ says: ["DeadletteredMessages > 0"] }],
    },
    {
      name: "fail without a function failure alert",
      change: () => edit(ALERTS, ["| where success == false", "| where duration > 1000"]),
      finds: [{ says: ["function execution fails"] }],
    },
    {
      name: "fail when the sweep alert watches another function",
      change: () => edit(ALERTS, ['operation_Name == "sweepTimer"', 'operation_Name == "sweep"']),
      finds: [{ says: ["sweepTimer has had no successful run in 26 hours"] }],
    },
    {
      name: "fail when the sweep alert looks back less than 26 hours",
      change: () => edit(ALERTS, ["ago(26h)", "ago(24h)"]),
      finds: [{ says: ["sweepTimer"] }],
    },
    {
      name: "fail when the sweep alert fires on runs instead of their absence",
      change: () =>
        edit(ALERTS, [
          "operator: 'LessThan'\n          threshold: 1",
          "operator: 'GreaterThan'\n          threshold: 0",
        ]),
      finds: [{ says: ["count of successful runs == 0"] }],
    },
    {
      name: "fail when an alert notifies nobody",
      change: () =>
        edit(ALERTS, [
          "    actions: [\n      {\n        actionGroupId: operators.id\n      }\n    ]",
          "    actions: []",
        ]),
      finds: [{ file: ALERTS, says: ["deadLetters sends its alert to no action group"] }],
    },
    {
      name: "fail when the action group e-mails nobody",
      change: () => edit(ALERTS, ["emailAddress: alertEmail", "smsNumber: alertEmail"]),
      finds: [{ says: ["no action group e-mails an operator"] }],
    },
  ]);
});
