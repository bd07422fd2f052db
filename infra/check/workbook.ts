/**
 * The operators' workbook: every case deploys one, each query in it names only Application
 * Insights tables and columns (kql.ts), and every alert links to it.
 */
import { z } from "zod";

import type { ArmResource, CompiledInfra, Deployment } from "./arm.js";
import { describeResource, ofType, stringsIn, valueAt } from "./arm.js";
import type { Finding } from "./findings.js";
import { finding } from "./findings.js";
import { namesIn } from "./kql.js";

export const WORKBOOK_TYPE = "Microsoft.Insights/workbooks";
const ALERT_TYPES = ["Microsoft.Insights/metricAlerts", "Microsoft.Insights/scheduledQueryRules"];

const itemSchema: z.ZodType<{ name?: string; content?: { query?: string; items?: unknown[] } }> =
  z.looseObject({
    name: z.string().optional(),
    content: z
      .looseObject({ query: z.string().optional(), items: z.array(z.lazy(() => itemSchema)).optional() })
      .optional(),
  });
const workbookSchema = z.looseObject({ items: z.array(itemSchema) });

/** Every KQL query of a workbook's items (groups included), by item name. */
export function workbookQueries(serialized: string): { name: string; query: string }[] {
  const items = workbookSchema.parse(JSON.parse(serialized)).items;
  const queries: { name: string; query: string }[] = [];
  const walk = (list: readonly z.infer<typeof itemSchema>[]) => {
    for (const item of list) {
      if (item.content?.query !== undefined)
        queries.push({ name: item.name ?? "?", query: item.content.query });
      walk((item.content?.items ?? []) as z.infer<typeof itemSchema>[]);
    }
  };
  walk(items);
  return queries;
}

function workbookFindings(deployment: Deployment, workbook: ArmResource): Finding[] {
  const where = describeResource(deployment, workbook);
  const serialized = valueAt(workbook, ["properties", "serializedData"]);
  if (typeof serialized !== "string") return [finding("workbook", where, "has no serializedData")];
  let queries;
  try {
    queries = workbookQueries(serialized);
  } catch (error) {
    return [finding("workbook", where, `serializedData is not a workbook: ${String(error)}`)];
  }
  return queries.flatMap(({ name, query }) => {
    const { unknown } = namesIn(query);
    return unknown.length === 0
      ? []
      : [
          finding(
            "workbook",
            where,
            `item ${name} names what Application Insights does not have: ${[...new Set(unknown)].join(", ")}`,
          ),
        ];
  });
}

function deploymentFindings(deployment: Deployment): Finding[] {
  const workbooks = ofType(deployment, WORKBOOK_TYPE);
  if (workbooks.length === 0) {
    return [finding("workbook", deployment.name, "no operators' workbook is deployed")];
  }
  const ids = workbooks.map((workbook) => workbook.id);
  const unlinked = ALERT_TYPES.flatMap((type) => ofType(deployment, type))
    .filter((alert) => !stringsIn(alert).some((text) => ids.some((id) => text.includes(id))))
    .map((alert) =>
      finding("workbook", describeResource(deployment, alert), "does not link to the workbook"),
    );
  return [...workbooks.flatMap((workbook) => workbookFindings(deployment, workbook)), ...unlinked];
}

export function checkWorkbook(compiled: CompiledInfra): Finding[] {
  return compiled.deployments.flatMap(deploymentFindings);
}
