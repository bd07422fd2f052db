import { describe, expect, it } from "vitest";

import { checkAlerts, checkFunctionApp } from "../../infra/check/platform.js";
import { ALERTS, edit, expectFinding, findingsWith, FUNCTION_APP } from "./helpers.js";

describe("function app on the real templates", () => {
  it("passes", async () => {
    expect(await findingsWith(checkFunctionApp)).toEqual([]);
  });

  it("fails off the Flex Consumption plan", async () => {
    const findings = await findingsWith(checkFunctionApp, edit(FUNCTION_APP, ["name: 'FC1'", "name: 'Y1'"]));
    expectFinding(findings, { file: FUNCTION_APP, says: ["sku.name", "'FC1'"] });
  });

  it("fails on another Node version", async () => {
    const findings = await findingsWith(
      checkFunctionApp,
      edit(FUNCTION_APP, ["version: '20'", "version: '18'"]),
    );
    expectFinding(findings, { file: FUNCTION_APP, says: ["functionAppConfig.runtime.version"] });
  });

  it("fails when the deployment package is read with a storage key", async () => {
    const findings = await findingsWith(
      checkFunctionApp,
      edit(FUNCTION_APP, ["type: 'UserAssignedIdentity'", "type: 'StorageAccountConnectionString'"]),
    );
    expectFinding(findings, { file: FUNCTION_APP, says: ["deployment.storage.authentication.type"] });
  });

  it("fails when Key Vault references have no identity to resolve with", async () => {
    const findings = await findingsWith(
      checkFunctionApp,
      edit(FUNCTION_APP, ["    keyVaultReferenceIdentity: identityId\n", ""]),
    );
    expectFinding(findings, { file: FUNCTION_APP, says: ["keyVaultReferenceIdentity"] });
  });
});

describe("alerts on the real templates", () => {
  it("pass", async () => {
    expect(await findingsWith(checkAlerts)).toEqual([]);
  });

  it("fail without a dead-letter alert", async () => {
    const findings = await findingsWith(
      checkAlerts,
      edit(ALERTS, ["metricName: 'DeadletteredMessages'", "metricName: 'ActiveMessages'"]),
    );
    expectFinding(findings, { says: ["DeadletteredMessages > 0"] });
  });

  it("fail when the dead-letter alert needs more than one message", async () => {
    const findings = await findingsWith(
      checkAlerts,
      edit(ALERTS, [
        "timeAggregation: 'Maximum'\n          operator: 'GreaterThan'\n          threshold: 0",
        "timeAggregation: 'Maximum'\n          operator: 'GreaterThan'\n          threshold: 10",
      ]),
    );
    expectFinding(findings, { says: ["DeadletteredMessages > 0"] });
  });

  it("fail without a function failure alert", async () => {
    const findings = await findingsWith(
      checkAlerts,
      edit(ALERTS, ["| where success == false", "| where duration > 1000"]),
    );
    expectFinding(findings, { says: ["function execution fails"] });
  });

  it("fail when the sweep alert watches another function", async () => {
    const findings = await findingsWith(
      checkAlerts,
      edit(ALERTS, ['operation_Name == "sweepTimer"', 'operation_Name == "sweep"']),
    );
    expectFinding(findings, { says: ["sweepTimer has had no successful run in 26 hours"] });
  });

  it("fail when the sweep alert looks back less than 26 hours", async () => {
    const findings = await findingsWith(checkAlerts, edit(ALERTS, ["ago(26h)", "ago(24h)"]));
    expectFinding(findings, { says: ["sweepTimer"] });
  });

  it("fail when the sweep alert fires on runs instead of their absence", async () => {
    const findings = await findingsWith(
      checkAlerts,
      edit(ALERTS, [
        "operator: 'LessThan'\n          threshold: 1",
        "operator: 'GreaterThan'\n          threshold: 0",
      ]),
    );
    expectFinding(findings, { says: ["count of successful runs == 0"] });
  });

  it("fail when an alert notifies nobody", async () => {
    const findings = await findingsWith(
      checkAlerts,
      edit(ALERTS, [
        "    actions: [\n      {\n        actionGroupId: operators.id\n      }\n    ]",
        "    actions: []",
      ]),
    );
    expectFinding(findings, { file: ALERTS, says: ["deadLetters sends its alert to no action group"] });
  });

  it("fail when the action group e-mails nobody", async () => {
    const findings = await findingsWith(
      checkAlerts,
      edit(ALERTS, ["emailAddress: alertEmail", "smsNumber: alertEmail"]),
    );
    expectFinding(findings, { says: ["no action group e-mails an operator"] });
  });
});
