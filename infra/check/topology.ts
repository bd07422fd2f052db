/**
 * Queues and tables are declared once, in JSON files the app and the local runtime read too: each
 * case must deploy exactly those queues, with every property the topology gives, and those tables.
 * The compiler checks the topology's shape against its type; what it cannot see is checked here.
 */
import { z } from "zod";

import type { Check, CompiledInfra, Finding } from "./arm.js";
import { at, finding, ofType, ownName, perDeployment, show, valueAt } from "./arm.js";

export const TOPOLOGY_FILE = "infra/servicebus-topology.json";
export const TABLES_FILE = "infra/tables.json";

const duration = z
  .string()
  .regex(
    /^P(?=\d|T\d)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/,
    "must be an ISO 8601 duration like PT1M",
  );
const queueSchema = z.looseObject({
  name: z.string(),
  lockDuration: duration,
  duplicateDetectionHistoryTimeWindow: duration,
  defaultMessageTimeToLive: duration,
});
const topologySchema = z.object({
  queues: z
    .array(queueSchema)
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

/** A check of what each case deploys against a JSON file, once the file is valid. */
function againstFile<T>(check: string, file: string, schema: z.ZodType<T>, find: (value: T) => Check): Check {
  return (compiled: CompiledInfra): Finding[] => {
    const text = compiled.readText(file);
    if (text === undefined) return [finding(check, file, `${file} is missing`)];
    const parsed = schema.safeParse(JSON.parse(text));
    if (parsed.success) return find(parsed.data)(compiled);
    return parsed.error.issues.map((issue) =>
      finding(check, file, `${issue.path.join(".") || "(root)"}: ${issue.message}`),
    );
  };
}

/** Every queue of servicebus-topology.json deployed with every property it gives, and no other queue. */
export const checkQueues = againstFile("queues", TOPOLOGY_FILE, topologySchema, ({ queues }) =>
  perDeployment("queues", function* (deployment) {
    const deployed = new Map(
      ofType(deployment, "Microsoft.ServiceBus/namespaces/queues").map((queue) => [
        ownName(queue.name),
        queue,
      ]),
    );
    for (const { name, ...properties } of queues) {
      const resource = deployed.get(name);
      deployed.delete(name);
      if (resource === undefined) {
        yield [deployment.name, `queue ${name} of ${TOPOLOGY_FILE} is not deployed`];
        continue;
      }
      for (const [key, expected] of Object.entries(properties)) {
        const actual = valueAt(resource, `properties.${key}`);
        if (actual !== expected)
          yield [
            at(deployment, resource),
            `properties.${key} must be ${show(expected)} as the topology gives it, found ${show(actual)}`,
          ];
      }
    }
    for (const [name, resource] of deployed)
      yield [at(deployment, resource), `queue ${name} is not in ${TOPOLOGY_FILE}`];
  }),
);

/** Exactly the tables of tables.json are deployed. */
export const checkTables = againstFile("tables", TABLES_FILE, tablesSchema, ({ tables }) =>
  perDeployment("tables", function* (deployment) {
    const wanted = [...tables].sort().join(", ");
    const deployed = ofType(deployment, "Microsoft.Storage/storageAccounts/tableServices/tables")
      .map((table) => ownName(table.name))
      .sort()
      .join(", ");
    if (deployed !== wanted)
      yield [
        deployment.name,
        `the tables deployed (${deployed}) must be those of ${TABLES_FILE} (${wanted})`,
      ];
  }),
);
