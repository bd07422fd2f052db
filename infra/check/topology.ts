/**
 * Queues and tables are declared once, in JSON files the app and the local runtime read too. The
 * templates must create them with a loop over `loadJsonContent(<that file>)`, carrying every
 * property the JSON gives, and the JSON itself must be well formed.
 */
import type { Node } from "web-tree-sitter";
import { z } from "zod";

import type { Finding } from "./findings.js";
import { findingAt, findingInFile, lineOf } from "./findings.js";
import type { BicepFile, InfraProject } from "./project.js";
import { INFRA_DIR, resolveFrom } from "./project.js";
import { declaredResources, followVariables, isCallTo } from "./query.js";
import type { LocatedResource } from "./query.js";
import {
  callArguments,
  describeValue,
  loopIterable,
  loopVariable,
  memberPath,
  property,
  stringValue,
} from "./syntax.js";

export const TOPOLOGY_FILE = `${INFRA_DIR}/servicebus-topology.json`;
export const TABLES_FILE = `${INFRA_DIR}/tables.json`;
export const QUEUE_TYPE = "Microsoft.ServiceBus/namespaces/queues";
export const TABLE_TYPE = "Microsoft.Storage/storageAccounts/tableServices/tables";

const isoDuration = z
  .string()
  .regex(
    /^P(?=\d|T\d)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/,
    "must be an ISO 8601 duration like PT1M",
  );

/** The queue properties the topology must give; any further property must be carried too. */
export const QUEUE_PROPERTIES = [
  "lockDuration",
  "maxDeliveryCount",
  "requiresDuplicateDetection",
  "duplicateDetectionHistoryTimeWindow",
  "defaultMessageTimeToLive",
  "deadLetteringOnMessageExpiration",
] as const;

const queueSchema = z.looseObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,258}[A-Za-z0-9]$/, "must be a Service Bus queue name"),
  lockDuration: isoDuration,
  maxDeliveryCount: z.number().int().min(1),
  requiresDuplicateDetection: z.boolean(),
  duplicateDetectionHistoryTimeWindow: isoDuration,
  defaultMessageTimeToLive: isoDuration,
  deadLetteringOnMessageExpiration: z.boolean(),
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
    .min(1)
    .refine(
      (tables) => new Set(tables.map((table) => table.toLowerCase())).size === tables.length,
      "table names must be unique",
    ),
});

type ParsedJson<T> = { ok: true; value: T } | { ok: false; findings: Finding[] };

function readJson<T>(
  project: InfraProject,
  check: string,
  file: string,
  schema: z.ZodType<T>,
): ParsedJson<T> {
  const text = project.readText(file);
  if (text === undefined)
    return { ok: false, findings: [findingInFile(check, file, 0, `${file} is missing`)] };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, findings: [findingInFile(check, file, 1, `${file} is not valid JSON: ${reason}`)] };
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    findings: parsed.error.issues.map((issue) => {
      const key = issue.path[issue.path.length - 1];
      const line = typeof key === "string" ? lineOf(text, `"${key}"`) : 1;
      return findingInFile(check, file, line, `${issue.path.join(".") || "(root)"}: ${issue.message}`);
    }),
  };
}

interface JsonSource {
  readonly file: string;
  readonly member: string | undefined;
}

/** What JSON an expression reads: `loadJsonContent('<file>')` and optionally one member of it. */
function jsonSource(file: BicepFile, node: Node): JsonSource | undefined {
  const resolved = followVariables(file, node);
  if (isCallTo(resolved, "loadJsonContent")) {
    const pathArg = callArguments(resolved)[0];
    const written = pathArg === undefined ? undefined : stringValue(pathArg);
    return written === undefined ? undefined : { file: resolveFrom(file.path, written), member: undefined };
  }
  if (resolved.type === "member_expression") {
    const object = resolved.childForFieldName("object");
    const name = resolved.childForFieldName("property");
    const inner = object === null ? undefined : jsonSource(file, object);
    if (inner !== undefined && inner.member === undefined && name !== null)
      return { file: inner.file, member: name.text };
  }
  return undefined;
}

interface LoopCheck {
  readonly check: string;
  readonly jsonFile: string;
  readonly member: string;
}

/** The loop variable when the resource loops over `<member>` of `loadJsonContent(<jsonFile>)`. */
function loopOverJson(
  { file, resource }: LocatedResource,
  expected: LoopCheck,
): { variable: string } | Finding {
  const wanted = `a loop over loadJsonContent('${expected.jsonFile.slice(INFRA_DIR.length + 1)}').${expected.member}`;
  if (resource.loop === undefined) {
    return findingAt(
      expected.check,
      file.path,
      resource.node,
      `${resource.symbol} must be declared with ${wanted}`,
    );
  }
  const iterable = loopIterable(resource.loop);
  const source = iterable === undefined ? undefined : jsonSource(file, iterable);
  const variable = loopVariable(resource.loop);
  if (source?.file !== expected.jsonFile || source.member !== expected.member || variable === undefined) {
    return findingAt(
      expected.check,
      file.path,
      iterable ?? resource.loop,
      `${resource.symbol} must be declared with ${wanted}, found a loop over ${describeValue(iterable)}` +
        (source === undefined ? "" : ` (reads ${source.file})`),
    );
  }
  return { variable };
}

/** Every queue in servicebus-topology.json is created, by a loop that reads that file, with every property. */
export function checkQueues(project: InfraProject): Finding[] {
  const topology = readJson(project, "queues", TOPOLOGY_FILE, topologySchema);
  if (!topology.ok) return topology.findings;
  const given = topology.value.queues.flatMap((queue) => Object.keys(queue)).filter((key) => key !== "name");
  const required = new Set<string>([...QUEUE_PROPERTIES, ...given]);

  const queues = declaredResources(project, QUEUE_TYPE);
  if (queues.length === 0) {
    return [
      findingInFile(
        "queues",
        INFRA_DIR,
        0,
        `no ${QUEUE_TYPE} resource is declared: the topology's queues are never created`,
      ),
    ];
  }
  return queues.flatMap((located) => {
    const loop = loopOverJson(located, { check: "queues", jsonFile: TOPOLOGY_FILE, member: "queues" });
    if (!("variable" in loop)) return [loop];
    const { file, resource } = located;
    const findings: Finding[] = [];
    const name = property(resource.body, "name");
    if (name === undefined || memberPath(name)?.join(".") !== `${loop.variable}.name`) {
      findings.push(
        findingAt(
          "queues",
          file.path,
          name ?? resource.node,
          `${resource.symbol}: name must be ${loop.variable}.name`,
        ),
      );
    }
    const properties = property(resource.body, "properties");
    for (const key of required) {
      const value = property(properties, key);
      if (value === undefined || memberPath(value)?.join(".") !== `${loop.variable}.${key}`) {
        findings.push(
          findingAt(
            "queues",
            file.path,
            value ?? properties ?? resource.node,
            `${resource.symbol}: properties.${key} must be ${loop.variable}.${key} (the topology gives it), found ${describeValue(value)}`,
          ),
        );
      }
    }
    return findings;
  });
}

/** Every table in tables.json is created, by a loop that reads that file. */
export function checkTables(project: InfraProject): Finding[] {
  const tables = readJson(project, "tables", TABLES_FILE, tablesSchema);
  if (!tables.ok) return tables.findings;
  const declared = declaredResources(project, TABLE_TYPE);
  if (declared.length === 0) {
    return [
      findingInFile(
        "tables",
        INFRA_DIR,
        0,
        `no ${TABLE_TYPE} resource is declared: the app's tables are never created`,
      ),
    ];
  }
  return declared.flatMap((located) => {
    const loop = loopOverJson(located, { check: "tables", jsonFile: TABLES_FILE, member: "tables" });
    if (!("variable" in loop)) return [loop];
    const name = property(located.resource.body, "name");
    return name?.type === "identifier" && name.text === loop.variable
      ? []
      : [
          findingAt(
            "tables",
            located.file.path,
            name ?? located.resource.node,
            `${located.resource.symbol}: name must be ${loop.variable}`,
          ),
        ];
  });
}
