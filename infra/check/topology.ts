/**
 * Queues and tables are declared once, in JSON files the app and the local runtime read too: each
 * case must deploy exactly those queues, with every property the topology gives, and those tables.
 */
import { z } from "zod";

import type { CompiledInfra, Deployment } from "./arm.js";
import { describeResource, ofType } from "./arm.js";
import { INFRA_DIR } from "./compile.js";
import type { Finding } from "./findings.js";
import { finding } from "./findings.js";
import { show } from "./security.js";

export const TOPOLOGY_FILE = `${INFRA_DIR}/servicebus-topology.json`;
export const TABLES_FILE = `${INFRA_DIR}/tables.json`;
export const QUEUE_TYPE = "Microsoft.ServiceBus/namespaces/queues";
export const TABLE_TYPE = "Microsoft.Storage/storageAccounts/tableServices/tables";

// The compiler checks the topology's shape against queueType; what it cannot see is the duration syntax.
const isoDuration = z
  .string()
  .regex(
    /^P(?=\d|T\d)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/,
    "must be an ISO 8601 duration like PT1M",
  );

const queueSchema = z.looseObject({
  name: z.string(),
  lockDuration: isoDuration,
  duplicateDetectionHistoryTimeWindow: isoDuration,
  defaultMessageTimeToLive: isoDuration,
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

const tablesSchema = z.object({
  tables: z
    .array(
      z
        .string()
        .regex(/^[A-Za-z][A-Za-z0-9]{2,62}$/, "must be a Table Storage name (letters and digits, 3-63)"),
    )
    .min(1),
});

type Parsed<T> = { ok: true; value: T } | { ok: false; findings: Finding[] };

function readJson<T>(compiled: CompiledInfra, check: string, file: string, schema: z.ZodType<T>): Parsed<T> {
  const text = compiled.readText(file);
  if (text === undefined) return { ok: false, findings: [finding(check, file, `${file} is missing`)] };
  const parsed = schema.safeParse(JSON.parse(text));
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    findings: parsed.error.issues.map((issue) =>
      finding(check, file, `${issue.path.join(".") || "(root)"}: ${issue.message}`),
    ),
  };
}

/** `sb/relationship-requests` → `relationship-requests`: the child's own name. */
function ownName(resourceName: string): string {
  return resourceName.slice(resourceName.lastIndexOf("/") + 1);
}

function queueFindings(deployment: Deployment, queues: readonly Record<string, unknown>[]): Finding[] {
  const deployed = new Map(
    ofType(deployment, QUEUE_TYPE).map((resource) => [ownName(resource.name), resource]),
  );
  const findings: Finding[] = [];
  for (const queue of queues) {
    const name = String(queue.name);
    const resource = deployed.get(name);
    deployed.delete(name);
    if (resource === undefined) {
      findings.push(finding("queues", deployment.name, `queue ${name} of ${TOPOLOGY_FILE} is not deployed`));
      continue;
    }
    for (const [key, expected] of Object.entries(queue)) {
      if (key === "name") continue;
      const actual = (resource.properties as Record<string, unknown> | undefined)?.[key];
      if (actual !== expected) {
        findings.push(
          finding(
            "queues",
            describeResource(deployment, resource),
            `properties.${key} must be ${show(expected)} as the topology gives it, found ${show(actual)}`,
          ),
        );
      }
    }
  }
  for (const [name, resource] of deployed) {
    findings.push(
      finding("queues", describeResource(deployment, resource), `queue ${name} is not in ${TOPOLOGY_FILE}`),
    );
  }
  return findings;
}

/** Every queue of servicebus-topology.json deployed with every property it gives, and no other queue. */
export function checkQueues(compiled: CompiledInfra): Finding[] {
  const topology = readJson(compiled, "queues", TOPOLOGY_FILE, topologySchema);
  if (!topology.ok) return topology.findings;
  return compiled.deployments.flatMap((deployment) => queueFindings(deployment, topology.value.queues));
}

/** Exactly the tables of tables.json are deployed. */
export function checkTables(compiled: CompiledInfra): Finding[] {
  const tables = readJson(compiled, "tables", TABLES_FILE, tablesSchema);
  if (!tables.ok) return tables.findings;
  const wanted = [...tables.value.tables].sort();
  return compiled.deployments.flatMap((deployment) => {
    const deployed = ofType(deployment, TABLE_TYPE)
      .map((resource) => ownName(resource.name))
      .sort();
    return JSON.stringify(deployed) === JSON.stringify(wanted)
      ? []
      : [
          finding(
            "tables",
            deployment.name,
            `the tables deployed (${deployed.join(", ")}) must be those of ${TABLES_FILE} (${wanted.join(", ")})`,
          ),
        ];
  });
}
