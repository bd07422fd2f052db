/**
 * Every test that compiles, in one file so one Bicep CLI process serves them all (each process pays
 * seconds of start-up and warm-up) and the mutations of every topic share compiles.
 */
import path from "node:path";

import { beforeAll, describe, expect, it } from "vitest";

import type { Finding } from "../../infra/check/arm.js";
import { ofType } from "../../infra/check/arm.js";
import { CASES, compileInfra, MAIN_FILE } from "../../infra/check/compile.js";
import { checkInfra, findingsOf } from "../../infra/check/index.js";
import type { Edit } from "./helpers.js";
// The mutation tests of each topic, registered here.
import "./network.mutations.js";
import "./security.mutations.js";
import "./settings.mutations.js";
import "./workbook.mutations.js";
import {
  ALERTS,
  applyEdits,
  bicep,
  changeJson,
  edit,
  expectFinding,
  KEY_VAULT,
  MAIN,
  NETWORK,
  realTemplates,
  ROOT,
  SERVICE_BUS,
  TOPOLOGY,
} from "./helpers.js";

describe("the real templates", () => {
  it("compile, lint clean and pass every check in both network cases", async () => {
    expect(findingsOf(await realTemplates())).toEqual([]);
  });

  it("deploy private endpoints with the private network and none without", async () => {
    const { compiled } = await realTemplates();
    const endpoints = compiled!.deployments.map(
      (deployment) =>
        [deployment.name, ofType(deployment, "Microsoft.Network/privateEndpoints").length] as const,
    );
    expect(endpoints).toEqual([
      ["public network", 0],
      ["private network", 5],
    ]);
  });

  it("build to byte-identical JSON twice, from any folder", async () => {
    const server = await bicep();
    const first = await server.compile(path.join(ROOT, MAIN_FILE));
    const second = await server.compile(path.join(ROOT, MAIN_FILE));
    const elsewhere = await compileInfra(server, {
      rootDir: ROOT,
      overrides: { "infra/unused.txt": "" },
      cases: [],
    });
    expect(first.contents).toBeTruthy();
    expect(second.contents).toBe(first.contents);
    expect(JSON.stringify(elsewhere.compiled?.template)).toBe(JSON.stringify(JSON.parse(first.contents!)));
    expect(CASES.length).toBe(2);
  });
});

/** What the compiler and the linter (bicepconfig.json as committed) must reject, and where. */
const REJECTED: readonly { name: string; edits: Edit[]; file: string; code: string }[] = [
  {
    name: "an API version more than two years old",
    edits: edit(ALERTS, [
      "Microsoft.Insights/metricAlerts@2026-01-01",
      "Microsoft.Insights/metricAlerts@2018-03-01",
    ]),
    file: ALERTS,
    code: "Error use-recent-api-versions",
  },
  {
    name: "a hard-coded cloud host name",
    edits: edit(NETWORK, [
      "'privatelink.blob.${environment().suffixes.storage}'",
      "'privatelink.blob.core.windows.net'",
    ]),
    file: NETWORK,
    code: "Error no-hardcoded-env-urls",
  },
  {
    name: "a password parameter that is not @secure",
    edits: edit(MAIN, [
      "param vnetEnabled bool = false",
      "param vnetEnabled bool = false\n\n@description('x')\nparam adminPassword string = ''",
    ]),
    file: MAIN,
    code: "Error secure-secrets-in-params",
  },
  {
    name: "an output that carries a secret",
    edits: edit(KEY_VAULT, [
      "@description('Name of the key vault.')",
      "@description('x')\noutput leaked string = partnerKeyMaster\n\n@description('Name of the key vault.')",
    ]),
    file: KEY_VAULT,
    code: "Error outputs-should-not-contain-secrets",
  },
  {
    // The templates set no secure-typed property today; the rule guards the next one.
    name: "a secure property set from a value that is not secure",
    edits: edit(KEY_VAULT, [
      "@description('Name of the key vault.')",
      "resource sql 'Microsoft.Sql/servers@2024-05-01-preview' = {\n  name: 'sql-${name}'\n  location: location\n  properties: {\n    administratorLogin: 'operator'\n    administratorLoginPassword: name\n  }\n}\n\n@description('Name of the key vault.')",
    ]),
    file: KEY_VAULT,
    code: "Error use-secure-value-for-secure-inputs",
  },
  {
    name: "a misspelt property (Azure's resource types know every name)",
    edits: edit(SERVICE_BUS, ["disableLocalAuth: true", "disableLocalAuthentication: true"]),
    file: SERVICE_BUS,
    code: "BCP037",
  },
  {
    name: "a topology value of the wrong type (queueType)",
    edits: [
      changeJson<{ queues: Record<string, unknown>[] }>(TOPOLOGY, (topology) => {
        topology.queues[0] = { ...topology.queues[0], maxDeliveryCount: "ten" };
      }),
    ],
    file: "infra/main.bicep",
    code: "Error BCP",
  },
];

describe("the compiler and the linter reject", () => {
  // One compile for them all: each edit is in its own place, and each diagnostic names its file.
  let findings: Finding[] = [];
  beforeAll(async () => {
    const overrides = applyEdits(REJECTED.flatMap((rejected) => rejected.edits));
    findings = await checkInfra(await bicep(), { rootDir: ROOT, overrides, cases: [] });
  });

  it.each(REJECTED)("$name", ({ file, code }) => {
    const found = expectFinding(findings, { check: "bicep", where: `${file}:`, says: [code] });
    expect(found.where).toMatch(/:\d+:\d+$/);
  });
});
