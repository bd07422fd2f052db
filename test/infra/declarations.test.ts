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
  KEY_VAULT,
  MAIN,
  original,
  PARAMETERS,
  STORAGE,
} from "./helpers.js";

describe("declarations on the real templates", () => {
  it.each([
    ["parse", checkParse],
    ["descriptions", checkDescriptions],
    ["secure-params", checkSecureParameters],
    ["references", checkReferences],
    ["azd", checkAzdEntryPoint],
  ])("%s passes", async (_name, check) => {
    expect(await findingsWith(check)).toEqual([]);
  });
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

  it("include the grammar's false error on string text starting with '//', which the templates therefore avoid", async () => {
    const text = original(STORAGE).replace("  kind: 'StorageV2'", "  kind: '//example'");
    const findings = await findingsWith(checkParse, { [STORAGE]: text });
    expectFinding(findings, { file: STORAGE, says: ["syntax error"] });
  });

  it("cover every .bicep file under infra/, added ones included", async () => {
    const findings = await findingsWith(checkParse, {
      "infra/modules/extra.bicep": "param broken string = \n",
    });
    expectFinding(findings, { file: "infra/modules/extra.bicep", says: ["syntax error"] });
  });
});

describe("descriptions", () => {
  it("fail on a param without @description", async () => {
    const findings = await findingsWith(
      checkDescriptions,
      edit(MAIN, [
        "@description('Optional. Six-field NCRONTAB schedule of the nightly sweep (SWEEP_SCHEDULE), in UTC.')\n",
        "",
      ]),
    );
    expectFinding(findings, { file: MAIN, says: ["param sweepSchedule has no @description"] });
  });

  it("fail on an output without @description", async () => {
    const findings = await findingsWith(
      checkDescriptions,
      edit(STORAGE, ["@description('Name of the storage account.')\n", ""]),
    );
    expectFinding(findings, { file: STORAGE, says: ["output name has no @description"] });
  });

  it("fail on an empty description", async () => {
    const findings = await findingsWith(
      checkDescriptions,
      edit(KEY_VAULT, ["@description('Name of the key vault.')", "@description(' ')"]),
    );
    expectFinding(findings, { file: KEY_VAULT, says: ["output name has no @description"] });
  });
});

describe("secure parameters", () => {
  it("fail when a secure param has a default", async () => {
    const findings = await findingsWith(
      checkSecureParameters,
      edit(MAIN, ["param webhookSecrets string\n", "param webhookSecrets string = 'change-me-change-me'\n"]),
    );
    expectFinding(findings, { file: MAIN, says: ["secure param webhookSecrets must not have a default"] });
  });

  it("fail when a secure param reaches an output", async () => {
    const findings = await findingsWith(
      checkSecureParameters,
      edit(KEY_VAULT, [
        "output name string = vault.name",
        "output name string = '${vault.name}${webhookSecrets}'",
      ]),
    );
    expectFinding(findings, { file: KEY_VAULT, says: ["output name exposes secure param webhookSecrets"] });
  });
});

describe("references", () => {
  it("fail on a module path that does not exist", async () => {
    const findings = await findingsWith(checkReferences, { "infra/modules/alerts.bicep": null });
    expectFinding(findings, { file: MAIN, says: ["module alerts points at infra/modules/alerts.bicep"] });
  });

  it("fail on a registry module", async () => {
    const findings = await findingsWith(
      checkReferences,
      edit(MAIN, [
        "module identity 'modules/identity.bicep'",
        "module identity 'br/public:avm/res/managed-identity/user-assigned-identity:0.4.1'",
      ]),
    );
    expectFinding(findings, { file: MAIN, says: ["module identity comes from a registry"] });
  });

  it("fail on an inline nested deployment, whose resources the check cannot see", async () => {
    const findings = await findingsWith(
      checkReferences,
      edit(MAIN, [
        "var deploymentContainerName = 'app-package'",
        "var deploymentContainerName = 'app-package'\n\nresource hidden 'Microsoft.Resources/deployments@2025-04-01' = {\n  name: 'hidden'\n  location: location\n  properties: {\n    mode: 'Incremental'\n  }\n}",
      ]),
    );
    expectFinding(findings, { file: MAIN, says: ["hidden is an inline nested deployment"] });
  });

  it("fail on a loaded JSON file that does not exist", async () => {
    const findings = await findingsWith(checkReferences, { "infra/tables.json": null });
    expectFinding(findings, { file: STORAGE, says: ["reads infra/tables.json, which does not exist"] });
  });
});

describe("azd entry point", () => {
  it("fail when main.bicep is not subscription-scoped", async () => {
    const findings = await findingsWith(
      checkAzdEntryPoint,
      edit(MAIN, ["targetScope = 'subscription'", "targetScope = 'resourceGroup'"]),
    );
    expectFinding(findings, { file: MAIN, says: ["targetScope must be 'subscription'"] });
  });

  it("fail on an output azd cannot store (not UPPER_SNAKE)", async () => {
    const findings = await findingsWith(
      checkAzdEntryPoint,
      edit(MAIN, ["output AZURE_RESOURCE_GROUP string", "output resourceGroup string"]),
    );
    expectFinding(findings, { file: MAIN, says: ["output resourceGroup must be UPPER_SNAKE"] });
  });

  it("fail when the function app loses its azd-service-name tag", async () => {
    const findings = await findingsWith(
      checkAzdEntryPoint,
      edit(FUNCTION_APP, ["{ 'azd-service-name': 'api' }", "{ 'azd-service-name': 'web' }"]),
    );
    expectFinding(findings, { says: ["azd-service-name: 'api'"] });
  });

  it("fail when the resource group loses its azd-env-name tag", async () => {
    const findings = await findingsWith(
      checkAzdEntryPoint,
      edit(MAIN, ["  'azd-env-name': environmentName", "  environment: environmentName"]),
    );
    expectFinding(findings, { file: MAIN, says: ["rg must carry the azd-env-name tag"] });
  });

  it("fail when a required param has no value in main.parameters.json", async () => {
    const parameters = JSON.parse(original(PARAMETERS)) as { parameters: Record<string, unknown> };
    delete parameters.parameters.alertEmail;
    const findings = await findingsWith(checkAzdEntryPoint, { [PARAMETERS]: JSON.stringify(parameters) });
    expectFinding(findings, { file: PARAMETERS, says: ["param alertEmail has no default and no value"] });
  });

  it("fail when main.parameters.json names a param main.bicep does not have", async () => {
    const findings = await findingsWith(
      checkAzdEntryPoint,
      edit(PARAMETERS, ['"alertEmail"', '"alertEmails"']),
    );
    expectFinding(findings, { file: PARAMETERS, says: ["alertEmails is not a param"] });
  });
});
