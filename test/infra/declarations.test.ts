import { describe, expect, it } from "vitest";

import {
  checkAzdEntryPoint,
  checkDescriptions,
  checkReferences,
  checkSecureParameters,
} from "../../infra/check/declarations.js";
import { checkParse } from "../../infra/check/index.js";
import {
  edit,
  expectFinding,
  findingsWith,
  FUNCTION_APP,
  itPassesOnTheRealTemplates,
  itReports,
  KEY_VAULT,
  MAIN,
  original,
  PARAMETERS,
  STORAGE,
} from "./helpers.js";

describe("declarations on the real templates", () => {
  itPassesOnTheRealTemplates([
    ["parse", checkParse],
    ["descriptions", checkDescriptions],
    ["secure-params", checkSecureParameters],
    ["references", checkReferences],
    ["azd", checkAzdEntryPoint],
  ]);
});

describe("parse errors", () => {
  it("fail with file, line and column", async () => {
    const text = original(STORAGE).replace("  kind: 'StorageV2'", "  kind: 'StorageV2' = =");
    const findings = await findingsWith(checkParse, { [STORAGE]: text });
    const finding = expectFinding(findings, { file: STORAGE, says: ["syntax error"] });
    const expectedLine = text.split("\n").findIndex((line) => line.includes("= =")) + 1;
    expect(finding.line).toBe(expectedLine);
    expect(finding.column).toBeGreaterThan(1);
  });

  itReports(checkParse, [
    {
      name: "include the grammar's false error on string text starting with '//', which the templates therefore avoid",
      change: () => ({ [STORAGE]: original(STORAGE).replace("  kind: 'StorageV2'", "  kind: '//example'") }),
      finds: [{ file: STORAGE, says: ["syntax error"] }],
    },
    {
      name: "cover every .bicep file under infra/, added ones included",
      change: () => ({ "infra/modules/extra.bicep": "param broken string = \n" }),
      finds: [{ file: "infra/modules/extra.bicep", says: ["syntax error"] }],
    },
  ]);
});

describe("descriptions", () => {
  itReports(checkDescriptions, [
    {
      name: "fail on a param without @description",
      change: () =>
        edit(MAIN, [
          "@description('Optional. Six-field NCRONTAB schedule of the nightly sweep (SWEEP_SCHEDULE), in UTC.')\n",
          "",
        ]),
      finds: [{ file: MAIN, says: ["param sweepSchedule has no @description"] }],
    },
    {
      name: "fail on an output without @description",
      change: () => edit(STORAGE, ["@description('Name of the storage account.')\n", ""]),
      finds: [{ file: STORAGE, says: ["output name has no @description"] }],
    },
    {
      name: "fail on an empty description",
      change: () => edit(KEY_VAULT, ["@description('Name of the key vault.')", "@description(' ')"]),
      finds: [{ file: KEY_VAULT, says: ["output name has no @description"] }],
    },
  ]);
});

describe("secure parameters", () => {
  itReports(checkSecureParameters, [
    {
      name: "fail when a secure param has a default",
      change: () =>
        edit(MAIN, [
          "param webhookSecrets string\n",
          "param webhookSecrets string = 'change-me-change-me'\n",
        ]),
      finds: [{ file: MAIN, says: ["secure param webhookSecrets must not have a default"] }],
    },
    {
      name: "fail when a secure param reaches an output",
      change: () =>
        edit(KEY_VAULT, [
          "output name string = vault.name",
          "output name string = '${vault.name}${webhookSecrets}'",
        ]),
      finds: [{ file: KEY_VAULT, says: ["output name exposes secure param webhookSecrets"] }],
    },
  ]);
});

describe("references", () => {
  itReports(checkReferences, [
    {
      name: "fail on a module path that does not exist",
      change: () => ({ "infra/modules/alerts.bicep": null }),
      finds: [{ file: MAIN, says: ["module alerts points at infra/modules/alerts.bicep"] }],
    },
    {
      name: "fail on a registry module",
      change: () =>
        edit(MAIN, [
          "module identity 'modules/identity.bicep'",
          "module identity 'br/public:avm/res/managed-identity/user-assigned-identity:0.4.1'",
        ]),
      finds: [{ file: MAIN, says: ["module identity comes from a registry"] }],
    },
    {
      name: "fail on an inline nested deployment, whose resources the check cannot see",
      change: () =>
        edit(MAIN, [
          "var deploymentContainerName = 'app-package'",
          "var deploymentContainerName = 'app-package'\n\nresource hidden 'Microsoft.Resources/deployments@2025-04-01' = {\n  name: 'hidden'\n  location: location\n  properties: {\n    mode: 'Incremental'\n  }\n}",
        ]),
      finds: [{ file: MAIN, says: ["hidden is an inline nested deployment"] }],
    },
    {
      name: "fail on a loaded JSON file that does not exist",
      change: () => ({ "infra/tables.json": null }),
      finds: [{ file: STORAGE, says: ["reads infra/tables.json, which does not exist"] }],
    },
  ]);
});

describe("azd entry point", () => {
  itReports(checkAzdEntryPoint, [
    {
      name: "fail when main.bicep is not subscription-scoped",
      change: () => edit(MAIN, ["targetScope = 'subscription'", "targetScope = 'resourceGroup'"]),
      finds: [{ file: MAIN, says: ["targetScope must be 'subscription'"] }],
    },
    {
      name: "fail on an output azd cannot store (not UPPER_SNAKE)",
      change: () => edit(MAIN, ["output AZURE_RESOURCE_GROUP string", "output resourceGroup string"]),
      finds: [{ file: MAIN, says: ["output resourceGroup must be UPPER_SNAKE"] }],
    },
    {
      name: "fail when the function app loses its azd-service-name tag",
      change: () => edit(FUNCTION_APP, ["{ 'azd-service-name': 'api' }", "{ 'azd-service-name': 'web' }"]),
      finds: [{ says: ["azd-service-name: 'api'"] }],
    },
    {
      name: "fail when the resource group loses its azd-env-name tag",
      change: () => edit(MAIN, ["  'azd-env-name': environmentName", "  environment: environmentName"]),
      finds: [{ file: MAIN, says: ["rg must carry the azd-env-name tag"] }],
    },
    {
      name: "fail when a required param has no value in main.parameters.json",
      change: () => {
        const parameters = JSON.parse(original(PARAMETERS)) as { parameters: Record<string, unknown> };
        delete parameters.parameters.alertEmail;
        return { [PARAMETERS]: JSON.stringify(parameters) };
      },
      finds: [{ file: PARAMETERS, says: ["param alertEmail has no default and no value"] }],
    },
    {
      name: "fail when main.parameters.json names a param main.bicep does not have",
      change: () => edit(PARAMETERS, ['"alertEmail"', '"alertEmails"']),
      finds: [{ file: PARAMETERS, says: ["alertEmails is not a param"] }],
    },
  ]);
});
