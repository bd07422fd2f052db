import { describe, expect, it } from "vitest";

import { AZURE_SETTING_PLAN } from "../../infra/check/settings.js";
import { SETTING_NAMES } from "../../shared/config.js";
import type { Edit } from "./helpers.js";
import {
  ALERTS,
  changeJson,
  edit,
  FUNCTION_APP,
  itReports,
  MAIN,
  original,
  PARAMETERS,
  PRIVATE_NETWORK,
  replace,
  SERVICE_BUS,
  STORAGE,
  TABLES,
  TOPOLOGY,
} from "./helpers.js";

/** The app settings block without one setting's line. */
function without(name: string): Edit {
  const line = original(FUNCTION_APP)
    .split("\n")
    .find((candidate) => candidate.trimStart().startsWith(`${name}:`));
  if (line === undefined) throw new Error(`${name} is not set in ${FUNCTION_APP}`);
  return replace(FUNCTION_APP, `${line}\n`, "");
}

interface Topology {
  queues: Record<string, unknown>[];
}

describe("the settings plan", () => {
  it("covers every setting shared/config.ts reads", () => {
    expect(SETTING_NAMES.length).toBeGreaterThan(0);
    expect(SETTING_NAMES.filter((name) => !Object.hasOwn(AZURE_SETTING_PLAN, name))).toEqual([]);
  });

  it("keeps the local-only and retired settings out of Azure", () => {
    expect(AZURE_SETTING_PLAN.TRUSTED_TOKEN_ISSUERS.kind).toBe("forbidden");
  });
});

describe("settings the code and the host need", () => {
  itReports(
    "app-settings",
    [
      "OPERATOR_KEYS",
      "PARTNER_KEY_MASTER",
      "CUSTOMER_TOKEN_AUDIENCE",
      "TABLES_ENDPOINT",
      "ServiceBusConnection__fullyQualifiedNamespace",
      "AzureWebJobsStorage__accountName",
      "ServiceBusConnection__clientId",
      "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
      "SWEEP_SCHEDULE",
    ].map((name) => ({
      name: `fail when ${name} is missing`,
      edits: [without(name)],
      finds: [{ where: "appsettings", says: [`app setting ${name} is missing`] }],
    })),
  );
});

describe("identity-based connections and Key Vault references only", () => {
  itReports("app-settings", [
    {
      name: "fail when Table Storage is reached with a connection string",
      edits: edit(FUNCTION_APP, [
        "TABLES_ENDPOINT: storageTableEndpoint",
        "TABLES_CONNECTION: storageTableEndpoint",
      ]),
      finds: [{ says: ["TABLES_CONNECTION must not be set"] }, { says: ["TABLES_ENDPOINT is missing"] }],
    },
    {
      name: "fail when the host storage is a connection string",
      edits: edit(FUNCTION_APP, [
        "AzureWebJobsStorage__accountName: storageAccountName",
        "AzureWebJobsStorage: storageAccountName",
      ]),
      finds: [{ says: ["AzureWebJobsStorage must not be set"] }],
    },
    {
      name: "fail when a credential is not the managed identity",
      edits: edit(FUNCTION_APP, [
        "AzureWebJobsStorage__credential: 'managedidentity'",
        "AzureWebJobsStorage__credential: 'connectionstring'",
      ]),
      finds: [{ says: ["AzureWebJobsStorage__credential must be 'managedidentity'"] }],
    },
    {
      name: "fail when OPERATOR_KEYS holds a URI instead of a Key Vault reference",
      edits: edit(FUNCTION_APP, [
        "OPERATOR_KEYS: '@Microsoft.KeyVault(SecretUri=${operatorKeysUri})'",
        "OPERATOR_KEYS: operatorKeysUri",
      ]),
      finds: [{ says: ["OPERATOR_KEYS must be a Key Vault reference", "operator-keys"] }],
    },
    {
      name: "fail when PARTNER_KEY_MASTER refers to another secret",
      edits: edit(FUNCTION_APP, [
        "PARTNER_KEY_MASTER: '@Microsoft.KeyVault(SecretUri=${partnerKeyMasterUri})'",
        "PARTNER_KEY_MASTER: '@Microsoft.KeyVault(SecretUri=${operatorKeysUri})'",
      ]),
      finds: [{ says: ["PARTNER_KEY_MASTER must be a Key Vault reference", "partner-key-master"] }],
    },
    {
      name: "fail when a secret reaches the app settings itself",
      edits: [
        ...edit(
          FUNCTION_APP,
          ["param customerTokenAudience string", "@secure()\nparam customerTokenAudience string"],
          [
            "CUSTOMER_TOKEN_AUDIENCE: customerTokenAudience",
            "CUSTOMER_TOKEN_AUDIENCE: '${customerTokenAudience}'",
          ],
        ),
      ],
      finds: [{ says: ["CUSTOMER_TOKEN_AUDIENCE carries the secure parameter customerTokenAudience"] }],
    },
    {
      name: "fail when TRUSTED_TOKEN_ISSUERS is set in Azure",
      edits: edit(FUNCTION_APP, [
        "SWEEP_SCHEDULE: sweepSchedule",
        "SWEEP_SCHEDULE: sweepSchedule\n      TRUSTED_TOKEN_ISSUERS: 'https://issuer.example'",
      ]),
      finds: [{ says: ["TRUSTED_TOKEN_ISSUERS must not be set in Azure", "local development only"] }],
    },
    {
      name: "fail when the retired WEBHOOK_SECRETS comes back",
      edits: edit(FUNCTION_APP, [
        "SWEEP_SCHEDULE: sweepSchedule",
        "SWEEP_SCHEDULE: sweepSchedule\n      WEBHOOK_SECRETS: '@Microsoft.KeyVault(SecretUri=${operatorKeysUri})'",
      ]),
      finds: [{ says: ["WEBHOOK_SECRETS must not be set in Azure", "OPERATOR_KEYS"] }],
    },
    {
      name: "fail when telemetry authentication is not Entra ID",
      edits: edit(FUNCTION_APP, [
        "'ClientId=${identityClientId};Authorization=AAD'",
        "'ClientId=${identityClientId}'",
      ]),
      finds: [{ says: ["APPLICATIONINSIGHTS_AUTHENTICATION_STRING must be"] }],
    },
    {
      name: "fail on a setting nobody reads (a typo)",
      edits: edit(FUNCTION_APP, ["INVITATION_TTL_DAYS: string(", "INVITATION_TTL_DAY: string("]),
      finds: [{ says: ["INVITATION_TTL_DAY is read neither"] }, { says: ["INVITATION_TTL_DAYS is missing"] }],
    },
    {
      name: "fail when there are no app settings at all",
      edits: edit(FUNCTION_APP, ["name: 'appsettings'", "name: 'web'"]),
      finds: [{ says: ["no function app settings are deployed"] }],
      alone: true,
    },
  ]);
});

describe("queues and tables from their JSON files", () => {
  itReports("queues", [
    {
      name: "fail when a queue property does not come from the topology",
      edits: edit(SERVICE_BUS, ["maxDeliveryCount: queue.maxDeliveryCount", "maxDeliveryCount: 3"]),
      finds: [{ where: "queues", says: ["properties.maxDeliveryCount must be 10", "found 3"] }],
    },
    {
      name: "fail when a queue drops a property the topology gives",
      edits: edit(SERVICE_BUS, ["      lockDuration: queue.lockDuration\n", ""]),
      finds: [{ says: ["properties.lockDuration must be 'PT1M'", "found absent"] }],
    },
    {
      name: "fail when the queues come from somewhere other than the topology",
      edits: edit(MAIN, [
        "queues: loadJsonContent('servicebus-topology.json').queues",
        "queues: take(loadJsonContent('servicebus-topology.json').queues, 1)",
      ]),
      finds: [{ says: ["queue migration-requests of infra/servicebus-topology.json is not deployed"] }],
    },
    {
      name: "fail when a queue is deployed that the topology does not declare",
      edits: edit(SERVICE_BUS, ["    name: queue.name\n", "    name: '${queue.name}-old'\n"]),
      finds: [{ says: ["queue relationship-requests-old is not in"] }],
      // Renamed, the topology's queues are missing and their properties unchecked.
      alone: true,
    },
    {
      name: "fail when a topology duration is malformed",
      edits: [
        changeJson<Topology>(TOPOLOGY, (topology) => {
          topology.queues[0] = { ...topology.queues[0], lockDuration: "1 minute" };
        }),
      ],
      finds: [{ where: TOPOLOGY, says: ["queues.0.lockDuration", "ISO 8601"] }],
      // An invalid file stops the check before the deployment is compared with it.
      alone: true,
    },
    {
      name: "fail when the tables loop does not read tables.json",
      edits: edit(STORAGE, ["for tableName in tableNames:", "for tableName in ['customers']:"]),
      finds: [
        { check: "tables", says: ["the tables deployed (customers) must be those of infra/tables.json"] },
      ],
    },
    {
      name: "fail when a table name is invalid",
      edits: [changeJson<{ tables: string[] }>(TABLES, (tables) => void tables.tables.push("bad-name"))],
      finds: [{ check: "tables", where: TABLES, says: ["tables.6", "Table Storage name"] }],
      // An invalid file stops the check before the deployment is compared with it.
      alone: true,
    },
  ]);
});

describe("hosting, alerts and azd", () => {
  itReports("function-app", [
    {
      name: "fail when the plan is not Flex Consumption",
      edits: edit(FUNCTION_APP, [
        "name: 'FC1'\n    tier: 'FlexConsumption'",
        "name: 'Y1'\n    tier: 'Dynamic'",
      ]),
      finds: [{ where: "serverfarms", says: ["sku.name must be 'FC1'"] }],
    },
    {
      name: "fail when the runtime is not Node 20",
      edits: edit(FUNCTION_APP, ["version: '20'", "version: '18'"]),
      finds: [{ says: ["runtime.version must be '20'"] }],
    },
    {
      name: "fail when the dead-letter alert never fires",
      edits: edit(ALERTS, [
        "threshold: 0\n        }\n      ]\n    }\n    actions: [",
        "threshold: 5\n        }\n      ]\n    }\n    actions: [",
      ]),
      finds: [{ check: "alerts", says: ["DeadletteredMessages > 0"] }],
    },
    {
      name: "fail when the sweep alert looks at another function",
      edits: edit(ALERTS, ['operation_Name == "sweepTimer"', 'operation_Name == "sweep"']),
      finds: [{ check: "alerts", says: ["sweepTimer has had no successful run in 26 hours"] }],
    },
    {
      name: "fail when the app lacks the azd service tag",
      edits: edit(FUNCTION_APP, ["{ 'azd-service-name': 'api' }", "{ 'azd-service-name': 'web' }"]),
      finds: [{ check: "azd", says: ["tags.azd-service-name must be 'api'"] }],
    },
    {
      name: "fail when an output is not UPPER_SNAKE",
      edits: edit(MAIN, ["output AZURE_LOCATION string", "output azureLocation string"]),
      finds: [{ check: "azd", says: ["output azureLocation must be UPPER_SNAKE"] }],
    },
    {
      name: "fail when the parameters file misses a required parameter",
      edits: [
        changeJson<{ parameters: Record<string, unknown> }>(PARAMETERS, (file) => {
          delete file.parameters.customerTokenAudience;
        }),
      ],
      finds: [
        {
          check: "azd",
          where: PARAMETERS,
          says: ["param customerTokenAudience has no default and no value"],
        },
      ],
    },
    {
      name: "fail when the parameters file names a parameter the template lacks",
      edits: [
        changeJson<{ parameters: Record<string, unknown> }>(PARAMETERS, (file) => {
          file.parameters.webhookSecrets = { value: "${WEBHOOK_SECRETS}" };
        }),
      ],
      finds: [{ check: "azd", where: PARAMETERS, says: ["webhookSecrets is not a param"] }],
    },
  ]);

  itReports("function-app", [
    {
      name: "fail in the private network case too (Node 20 there as well)",
      edits: edit(
        FUNCTION_APP,
        ["version: '20'", "version: vnet() ? '18' : '20'"],
        [
          "import { toWorkspace } from 'types.bicep'",
          "import { toWorkspace } from 'types.bicep'\n\nfunc vnet() bool => true",
        ],
      ),
      finds: [{ where: "private network", says: ["runtime.version must be '20'"] }],
      case: PRIVATE_NETWORK,
    },
  ]);
});
