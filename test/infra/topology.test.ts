import { describe, expect, it } from "vitest";

import { checkQueues, checkTables, QUEUE_PROPERTIES } from "../../infra/check/topology.js";
import {
  edit,
  expectFinding,
  findingsWith,
  itPassesOnTheRealTemplates,
  itReports,
  original,
  SERVICE_BUS,
  STORAGE,
  TABLES,
  TOPOLOGY,
} from "./helpers.js";

interface Topology {
  queues: Record<string, unknown>[];
}

function topologyWith(change: (topology: Topology) => void): Record<string, string> {
  const topology = JSON.parse(original(TOPOLOGY)) as Topology;
  change(topology);
  return { [TOPOLOGY]: JSON.stringify(topology, null, 2) };
}

describe("queues from servicebus-topology.json", () => {
  itPassesOnTheRealTemplates([["queues", checkQueues]]);

  itReports(checkQueues, [
    {
      name: "fail when the loop reads another file",
      change: () =>
        edit(SERVICE_BUS, [
          "loadJsonContent('../servicebus-topology.json')",
          "loadJsonContent('../tables.json')",
        ]),
      finds: [{ file: SERVICE_BUS, says: ["servicebus-topology.json", "reads infra/tables.json"] }],
    },
    {
      name: "fail when the queues are written by hand instead of looped over the topology",
      change: () =>
        edit(SERVICE_BUS, [
          "  for queue in topology.queues: {",
          "  for queue in [ { name: 'relationship-requests' } ]: {",
        ]),
      finds: [{ file: SERVICE_BUS, says: ["loadJsonContent('servicebus-topology.json').queues"] }],
    },
    {
      name: "fail when no queue resource exists",
      change: () =>
        edit(SERVICE_BUS, [
          "'Microsoft.ServiceBus/namespaces/queues@",
          "'Microsoft.ServiceBus/namespaces/topics@",
        ]),
      finds: [{ says: ["no Microsoft.ServiceBus/namespaces/queues resource"] }],
    },
    ...QUEUE_PROPERTIES.map((key) => ({
      name: `fail when the loop drops ${key}`,
      change: () => edit(SERVICE_BUS, [`      ${key}: queue.${key}\n`, ""]),
      finds: [{ file: SERVICE_BUS, says: [`properties.${key}`] }],
    })),
    {
      name: "fail when a property comes from somewhere other than the topology",
      change: () => edit(SERVICE_BUS, ["maxDeliveryCount: queue.maxDeliveryCount", "maxDeliveryCount: 3"]),
      finds: [
        {
          file: SERVICE_BUS,
          says: ["properties.maxDeliveryCount must be queue.maxDeliveryCount", "found 3"],
        },
      ],
    },
    {
      name: "fail when the topology gives a property the template does not carry",
      change: () =>
        topologyWith((topology) => {
          topology.queues[0] = { ...topology.queues[0], enablePartitioning: false };
        }),
      finds: [{ file: SERVICE_BUS, says: ["properties.enablePartitioning"] }],
    },
    {
      name: "fail when a topology duration is malformed",
      change: () =>
        topologyWith((topology) => {
          topology.queues[0] = { ...topology.queues[0], lockDuration: "1 minute" };
        }),
      finds: [{ file: TOPOLOGY, says: ["queues.0.lockDuration", "ISO 8601"] }],
    },
    {
      name: "fail when two queues share a name",
      change: () =>
        topologyWith((topology) => {
          topology.queues[1] = { ...topology.queues[1], name: topology.queues[0]?.name };
        }),
      finds: [{ file: TOPOLOGY, says: ["unique"] }],
    },
  ]);

  it("fail when a topology queue lacks a property", async () => {
    const findings = await findingsWith(
      checkQueues,
      topologyWith((topology) => {
        delete topology.queues[1]?.maxDeliveryCount;
      }),
    );
    const finding = expectFinding(findings, { file: TOPOLOGY, says: ["queues.1.maxDeliveryCount"] });
    expect(finding.line).toBeGreaterThan(0);
  });
});

describe("tables from tables.json", () => {
  itPassesOnTheRealTemplates([["tables", checkTables]]);

  itReports(checkTables, [
    {
      name: "fail when the tables loop does not read tables.json",
      change: () => edit(STORAGE, ["for tableName in tableNames:", "for tableName in ['customers']:"]),
      finds: [{ file: STORAGE, says: ["loadJsonContent('tables.json').tables"] }],
    },
    {
      name: "fail when a table name is invalid",
      change: () => ({ [TABLES]: JSON.stringify({ tables: ["customers", "bad-name"] }) }),
      finds: [{ file: TABLES, says: ["tables.1", "Table Storage name"] }],
    },
    {
      name: "fail when the table resource ignores the loop variable",
      change: () => edit(STORAGE, ["name: tableName", "name: 'customers'"]),
      finds: [{ file: STORAGE, says: ["name must be tableName"] }],
    },
  ]);
});
