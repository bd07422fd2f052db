/**
 * Queues and tables are declared once, in JSON files the app and the local runtime read too: each
 * case must deploy exactly those queues, with every property the topology gives, and those tables.
 * The compiler checks the topology's shape against its type; what it cannot see is checked here.
 */
import { z } from "zod";

import type { CompiledInfra, Deployment, Finding } from "./arm.js";
import { at, finding, ofType, show } from "./arm.js";

export const TOPOLOGY_FILE = "infra/servicebus-topology.json";
export const TABLES_FILE = "infra/tables.json";

const isoDuration = z
  .string()
  .regex(
    /^P(?=\d|T\d)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/,
    "must be an ISO 8601 duration like PT1M",
  );
const topologySchema = z.object({
  queues: z
    .array(
      z.looseObject({
        name: z.string(),
        lockDuration: isoDuration,
        duplicateDetectionHistoryTimeWindow: isoDuration,
        defaultMessageTimeToLive: isoDuration,
      }),
    )
    .min(1)
    .refine(
      (queues) => new Set(queues.map((queue) => queue.name)).size === queues.length,
      "queue names must be unique",
    ),
});
const tableName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9]{2,62}$/, "must be a Table Storage name (letters and digits, 3-63)");
const tablesSchema = z.object({ tables: z.array(tableName).min(1) });

/** The file parsed, or the findings that say why it is not valid. */
function readJson<T>(
  compiled: CompiledInfra,
  check: string,
  file: string,
  schema: z.ZodType<T>,
): T | Finding[] {
  const text = compiled.readText(file);
  if (text === undefined) return [finding(check, file, `${file} is missing`)];
  const parsed = schema.safeParse(JSON.parse(text));
  if (parsed.success) return parsed.data;
  return parsed.error.issues.map((issue) =>
    finding(check, file, `${issue.path.join(".") || "(root)"}: ${issue.message}`),
  );
}

/** `sb/relationship-requests` → `relationship-requests`: the child's own name. */
function ownName(resourceName: string): string {
  return resourceName.slice(resourceName.lastIndexOf("/") + 1);
}

function queueFindings(deployment: Deployment, queues: readonly Record<string, unknown>[]): Finding[] {
  const deployed = new Map(
    ofType(deployment, "Microsoft.ServiceBus/namespaces/queues").map((queue) => [ownName(queue.name), queue]),
  );
  const findings = queues.flatMap(({ name, ...properties }) => {
    const resource = deployed.get(String(name));
    deployed.delete(String(name));
    if (resource === undefined)
      return [
        finding("queues", deployment.name, `queue ${String(name)} of ${TOPOLOGY_FILE} is not deployed`),
      ];
    return Object.entries(properties)
      .filter(
        ([key, expected]) => (resource.properties as Record<string, unknown> | undefined)?.[key] !== expected,
      )
      .map(([key, expected]) => {
        const actual = (resource.properties as Record<string, unknown> | undefined)?.[key];
        return finding(
          "queues",
          at(deployment, resource),
          `properties.${key} must be ${show(expected)} as the topology gives it, found ${show(actual)}`,
        );
      });
  });
  return [
    ...findings,
    ...[...deployed].map(([name, resource]) =>
      finding("queues", at(deployment, resource), `queue ${name} is not in ${TOPOLOGY_FILE}`),
    ),
  ];
}

/** Every queue of servicebus-topology.json deployed with every property it gives, and no other queue. */
export function checkQueues(compiled: CompiledInfra): Finding[] {
  const topology = readJson(compiled, "queues", TOPOLOGY_FILE, topologySchema);
  if (Array.isArray(topology)) return topology;
  return compiled.deployments.flatMap((deployment) => queueFindings(deployment, topology.queues));
}

/** Exactly the tables of tables.json are deployed. */
export function checkTables(compiled: CompiledInfra): Finding[] {
  const file = readJson(compiled, "tables", TABLES_FILE, tablesSchema);
  if (Array.isArray(file)) return file;
  const wanted = [...file.tables].sort().join(", ");
  return compiled.deployments.flatMap((deployment) => {
    const tables = ofType(deployment, "Microsoft.Storage/storageAccounts/tableServices/tables");
    const deployed = tables
      .map((table) => ownName(table.name))
      .sort()
      .join(", ");
    return deployed === wanted
      ? []
      : [
          finding(
            "tables",
            deployment.name,
            `the tables deployed (${deployed}) must be those of ${TABLES_FILE} (${wanted})`,
          ),
        ];
  });
}
