import { describe, expect, it } from "vitest";

import { checkQueues, checkTables, QUEUE_PROPERTIES } from "../../infra/check/topology.js";
import {
  edit,
  expectFinding,
  findingsWith,
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
  it("pass on the real templates", async () => {
    expect(await findingsWith(checkQueues)).toEqual([]);
  });

  it("fail when the loop reads another file", async () => {
    const findings = await findingsWith(
      checkQueues,
      edit(SERVICE_BUS, [
        "loadJsonContent('../servicebus-topology.json')",
        "loadJsonContent('../tables.json')",
      ]),
    );
    expectFinding(findings, {
      file: SERVICE_BUS,
      says: ["servicebus-topology.json", "reads infra/tables.json"],
    });
  });

  it("fail when the queues are written by hand instead of looped over the topology", async () => {
    const findings = await findingsWith(
      checkQueues,
      edit(SERVICE_BUS, [
        "  for queue in topology.queues: {",
        "  for queue in [ { name: 'relationship-requests' } ]: {",
      ]),
    );
    expectFinding(findings, {
      file: SERVICE_BUS,
      says: ["loadJsonContent('servicebus-topology.json').queues"],
    });
  });

  it("fail when no queue resource exists", async () => {
    const findings = await findingsWith(
      checkQueues,
      edit(SERVICE_BUS, [
        "'Microsoft.ServiceBus/namespaces/queues@",
        "'Microsoft.ServiceBus/namespaces/topics@",
      ]),
    );
    expectFinding(findings, { says: ["no Microsoft.ServiceBus/namespaces/queues resource"] });
  });

  it.each(QUEUE_PROPERTIES)("fail when the loop drops %s", async (key) => {
    const text = original(SERVICE_BUS);
    const line = `      ${key}: queue.${key}\n`;
    expect(text).toContain(line);
    const findings = await findingsWith(checkQueues, { [SERVICE_BUS]: text.replace(line, "") });
    expectFinding(findings, { file: SERVICE_BUS, says: [`properties.${key}`] });
  });

  it("fail when a property comes from somewhere other than the topology", async () => {
    const findings = await findingsWith(
      checkQueues,
      edit(SERVICE_BUS, ["maxDeliveryCount: queue.maxDeliveryCount", "maxDeliveryCount: 3"]),
    );
    expectFinding(findings, {
      file: SERVICE_BUS,
      says: ["properties.maxDeliveryCount must be queue.maxDeliveryCount", "found 3"],
    });
  });

  it("fail when the topology gives a property the template does not carry", async () => {
    const findings = await findingsWith(
      checkQueues,
      topologyWith((topology) => {
        topology.queues[0] = { ...topology.queues[0], enablePartitioning: false };
      }),
    );
    expectFinding(findings, { file: SERVICE_BUS, says: ["properties.enablePartitioning"] });
  });

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

  it("fail when a topology duration is malformed", async () => {
    const findings = await findingsWith(
      checkQueues,
      topologyWith((topology) => {
        topology.queues[0] = { ...topology.queues[0], lockDuration: "1 minute" };
      }),
    );
    expectFinding(findings, { file: TOPOLOGY, says: ["queues.0.lockDuration", "ISO 8601"] });
  });

  it("fail when two queues share a name", async () => {
    const findings = await findingsWith(
      checkQueues,
      topologyWith((topology) => {
        topology.queues[1] = { ...topology.queues[1], name: topology.queues[0]?.name };
      }),
    );
    expectFinding(findings, { file: TOPOLOGY, says: ["unique"] });
  });
});

describe("tables from tables.json", () => {
  it("pass on the real templates", async () => {
    expect(await findingsWith(checkTables)).toEqual([]);
  });

  it("fail when the tables loop does not read tables.json", async () => {
    const findings = await findingsWith(
      checkTables,
      edit(STORAGE, ["for tableName in tableNames:", "for tableName in ['customers']:"]),
    );
    expectFinding(findings, { file: STORAGE, says: ["loadJsonContent('tables.json').tables"] });
  });

  it("fail when a table name is invalid", async () => {
    const findings = await findingsWith(checkTables, {
      [TABLES]: JSON.stringify({ tables: ["customers", "bad-name"] }),
    });
    expectFinding(findings, { file: TABLES, says: ["tables.1", "Table Storage name"] });
  });

  it("fail when the table resource ignores the loop variable", async () => {
    const findings = await findingsWith(checkTables, edit(STORAGE, ["name: tableName", "name: 'customers'"]));
    expectFinding(findings, { file: STORAGE, says: ["name must be tableName"] });
  });
});
