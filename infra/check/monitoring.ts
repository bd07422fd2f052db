/**
 * What operators see: every monitored resource sends its logs and metrics to the one Log Analytics
 * workspace; alerts fire on dead letters, failed executions and an overdue sweep, each to an e-mail
 * action group and each linking to the operators' workbook, whose queries name only Application
 * Insights tables and columns (kql.ts).
 */
import { z } from "zod";

import type { ArmResource, CompiledInfra, Deployment, Finding } from "./arm.js";
import { at, extensionScope, finding, ofType, stringsIn, valueAt } from "./arm.js";
import { unknownNames } from "./kql.js";

/** Resource types whose every resource needs a diagnostic setting, and whether it must carry logs. */
const MONITORED_TYPES: Readonly<Record<string, boolean>> = {
  "Microsoft.Web/sites": true,
  "Microsoft.ServiceBus/namespaces": true,
  // A storage account itself has metrics only; its services have the logs.
  "Microsoft.Storage/storageAccounts": false,
  "Microsoft.Storage/storageAccounts/blobServices": true,
  "Microsoft.Storage/storageAccounts/tableServices": true,
  "Microsoft.Storage/storageAccounts/queueServices": true,
  "Microsoft.KeyVault/vaults": true,
};

/** Whether `list` is an array with an entry whose `key` is `value` (or, without one, is set). */
function some(list: unknown, key: string, value?: unknown): boolean {
  return (
    Array.isArray(list) &&
    list.some((entry) =>
      value === undefined ? valueAt(entry, key) !== undefined : valueAt(entry, key) === value,
    )
  );
}

function diagnosticFindings(deployment: Deployment): Finding[] {
  const workspaces = ofType(deployment, "Microsoft.OperationalInsights/workspaces");
  const [workspace] = workspaces;
  if (workspace === undefined || workspaces.length > 1)
    return [
      finding(
        "diagnostics",
        deployment.name,
        `exactly one Log Analytics workspace must be deployed, found ${workspaces.length}`,
      ),
    ];
  const settings = ofType(deployment, "Microsoft.Insights/diagnosticSettings");
  return Object.entries(MONITORED_TYPES).flatMap(([type, logs]) =>
    ofType(deployment, type).flatMap((resource) => {
      const sent = settings.filter(
        (setting) =>
          extensionScope(setting)?.toLowerCase() === resource.id.toLowerCase() &&
          valueAt(setting, "properties.workspaceId") === workspace.id,
      );
      const withLogs = sent.some((setting) => some(valueAt(setting, "properties.logs"), "enabled", true));
      if (sent.length === 0)
        return [
          finding(
            "diagnostics",
            at(deployment, resource),
            `no diagnostic setting sends it to the Log Analytics workspace ${workspace.name}`,
          ),
        ];
      return logs && !withLogs
        ? [
            finding(
              "diagnostics",
              at(deployment, resource),
              `its diagnostic setting sends no logs to ${workspace.name}`,
            ),
          ]
        : [];
    }),
  );
}

interface Criterion {
  readonly metricName?: unknown;
  readonly query?: unknown;
  readonly operator?: unknown;
  readonly threshold?: unknown;
}

const aboveZero = ({ operator, threshold }: Criterion) => operator === "GreaterThan" && threshold === 0;
const onZero = ({ operator, threshold }: Criterion) =>
  (operator === "LessThan" && threshold === 1) ||
  ((operator === "Equals" || operator === "LessThanOrEqual") && threshold === 0);
const query = (criterion: Criterion) => (typeof criterion.query === "string" ? criterion.query : "");

/** Each alert the operators need: what it fires on, and what the finding says when none does. */
const ALERTS: readonly { fires: (criterion: Criterion) => boolean; missing: string }[] = [
  {
    fires: (criterion) => criterion.metricName === "DeadletteredMessages" && aboveZero(criterion),
    missing:
      "no metric alert fires when Service Bus DeadletteredMessages > 0 (messages in a dead-letter queue)",
  },
  {
    fires: (criterion) =>
      (criterion.metricName === "requests/failed" || /success\s*==\s*false/.test(query(criterion))) &&
      aboveZero(criterion),
    missing: "no alert fires when a function execution fails (requests with success == false > 0)",
  },
  {
    fires: (criterion) =>
      query(criterion).includes('"sweepTimer"') &&
      query(criterion).includes("ago(26h)") &&
      /success\s*==\s*true/.test(query(criterion)) &&
      onZero(criterion),
    missing:
      "no log alert fires when sweepTimer has had no successful run in 26 hours (count of successful runs == 0)",
  },
];

function alertFindings(deployment: Deployment): Finding[] {
  const alerts = ["Microsoft.Insights/metricAlerts", "Microsoft.Insights/scheduledQueryRules"].flatMap(
    (type) => ofType(deployment, type),
  );
  const criteria = alerts.flatMap((alert) => {
    const allOf = valueAt(alert, "properties.criteria.allOf");
    return Array.isArray(allOf) ? (allOf as Criterion[]) : [];
  });
  const workbooks = ofType(deployment, "Microsoft.Insights/workbooks");
  const emails = ofType(deployment, "Microsoft.Insights/actionGroups").some((group) =>
    some(valueAt(group, "properties.emailReceivers"), "emailAddress"),
  );
  return [
    ...ALERTS.filter((alert) => !criteria.some(alert.fires)).map((alert) =>
      finding("alerts", deployment.name, alert.missing),
    ),
    ...(emails ? [] : [finding("alerts", deployment.name, "no action group e-mails an operator")]),
    ...alerts.flatMap((alert) => {
      const actions = valueAt(alert, "properties.actions");
      const groups = Array.isArray(actions) ? actions : valueAt(actions, "actionGroups");
      const linked = stringsIn(alert).some((text) =>
        workbooks.some((workbook) => text.includes(workbook.id)),
      );
      return [
        ...(Array.isArray(groups) && groups.length > 0
          ? []
          : [finding("alerts", at(deployment, alert), "sends its alert to no action group")]),
        ...(linked ? [] : [finding("workbook", at(deployment, alert), "does not link to the workbook")]),
      ];
    }),
    ...(workbooks.length === 0
      ? [finding("workbook", deployment.name, "no operators' workbook is deployed")]
      : []),
    ...workbooks.flatMap((workbook) => workbookFindings(deployment, workbook)),
  ];
}

interface Item {
  readonly name?: string;
  readonly content?: { readonly query?: string; readonly items?: readonly Item[] };
}
const itemSchema: z.ZodType<Item> = z.looseObject({
  name: z.string().optional(),
  content: z
    .looseObject({ query: z.string().optional(), items: z.array(z.lazy(() => itemSchema)).optional() })
    .optional(),
});

/** Every KQL query of a workbook's items (groups included), by item name. */
function queries(items: readonly Item[]): { name: string; query: string }[] {
  return items.flatMap((item) => [
    ...(item.content?.query === undefined ? [] : [{ name: item.name ?? "?", query: item.content.query }]),
    ...queries(item.content?.items ?? []),
  ]);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // An expression the snapshot could not evaluate.
  }
}

function workbookFindings(deployment: Deployment, workbook: ArmResource): Finding[] {
  const serialized = valueAt(workbook, "properties.serializedData");
  const parsed = z
    .object({ items: z.array(itemSchema) })
    .safeParse(typeof serialized === "string" ? parseJson(serialized) : undefined);
  if (!parsed.success)
    return [
      finding(
        "workbook",
        at(deployment, workbook),
        `serializedData is not a workbook: ${parsed.error.message}`,
      ),
    ];
  return queries(parsed.data.items).flatMap(({ name, query }) => {
    const unknown = unknownNames(query);
    return unknown.length === 0
      ? []
      : [
          finding(
            "workbook",
            at(deployment, workbook),
            `item ${name} names what Application Insights does not have: ${unknown.join(", ")}`,
          ),
        ];
  });
}

export function checkMonitoring(compiled: CompiledInfra): Finding[] {
  return compiled.deployments.flatMap((deployment) => [
    ...diagnosticFindings(deployment),
    ...alertFindings(deployment),
  ]);
}
