/**
 * What operators see: every monitored resource sends its logs and metrics to the one Log Analytics
 * workspace; alerts fire on dead letters, failed executions and an overdue sweep, each to an action
 * group that e-mails, each linking to the operators' workbook, whose queries name only Application
 * Insights tables and columns (kql.ts).
 */
import type { Deployment, Found } from "./arm.js";
import { arrayAt, at, extensionScope, ofType, perDeployment, stringsIn, valueAt } from "./arm.js";
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

export const checkDiagnostics = perDeployment("diagnostics", function* (deployment) {
  const workspaces = ofType(deployment, "Microsoft.OperationalInsights/workspaces");
  const [workspace] = workspaces;
  if (workspace === undefined || workspaces.length > 1) {
    yield [
      deployment.name,
      `exactly one Log Analytics workspace must be deployed, found ${workspaces.length}`,
    ];
    return;
  }
  const settings = ofType(deployment, "Microsoft.Insights/diagnosticSettings");
  for (const [type, logs] of Object.entries(MONITORED_TYPES)) {
    for (const resource of ofType(deployment, type)) {
      const sent = settings.filter(
        (setting) =>
          extensionScope(setting)?.toLowerCase() === resource.id.toLowerCase() &&
          valueAt(setting, "properties.workspaceId") === workspace.id,
      );
      const logged = sent.some((setting) =>
        arrayAt(setting, "properties.logs").some((log) => valueAt(log, "enabled") === true),
      );
      if (sent.length === 0)
        yield [
          at(deployment, resource),
          `no diagnostic setting sends it to the Log Analytics workspace ${workspace.name}`,
        ];
      else if (logs && !logged)
        yield [at(deployment, resource), `its diagnostic setting sends no logs to ${workspace.name}`];
    }
  }
});

interface Criterion {
  readonly metricName?: unknown;
  readonly query?: unknown;
  readonly operator?: unknown;
  readonly threshold?: unknown;
}

const aboveZero = ({ operator, threshold }: Criterion) => operator === "GreaterThan" && threshold === 0;
const onZero = ({ operator, threshold }: Criterion) =>
  (operator === "LessThan" && threshold === 1) ||
  (["Equals", "LessThanOrEqual"].includes(String(operator)) && threshold === 0);
const query = ({ query }: Criterion) => (typeof query === "string" ? query : "");

/** Each alert the operators need: what it fires on, and what the finding says when none does. */
const NEEDED_ALERTS: readonly (readonly [fires: (criterion: Criterion) => boolean, missing: string])[] = [
  [
    (criterion) => criterion.metricName === "DeadletteredMessages" && aboveZero(criterion),
    "no metric alert fires when Service Bus DeadletteredMessages > 0 (messages in a dead-letter queue)",
  ],
  [
    (criterion) =>
      (criterion.metricName === "requests/failed" || /success\s*==\s*false/.test(query(criterion))) &&
      aboveZero(criterion),
    "no alert fires when a function execution fails (requests with success == false > 0)",
  ],
  [
    (criterion) =>
      ['"sweepTimer"', "ago(26h)"].every((part) => query(criterion).includes(part)) &&
      /success\s*==\s*true/.test(query(criterion)) &&
      onZero(criterion),
    "no log alert fires when sweepTimer has had no successful run in 26 hours (count of successful runs == 0)",
  ],
];

const ALERT_TYPES = ["Microsoft.Insights/metricAlerts", "Microsoft.Insights/scheduledQueryRules"];
const alertsOf = (deployment: Deployment) => ALERT_TYPES.flatMap((type) => ofType(deployment, type));

export const checkAlerts = perDeployment("alerts", function* (deployment) {
  const criteria = alertsOf(deployment).flatMap(
    (alert) => arrayAt(alert, "properties.criteria.allOf") as Criterion[],
  );
  for (const [fires, missing] of NEEDED_ALERTS) if (!criteria.some(fires)) yield [deployment.name, missing];
  const groups = ofType(deployment, "Microsoft.Insights/actionGroups");
  const receivers = groups.flatMap((group) => arrayAt(group, "properties.emailReceivers"));
  if (!receivers.some((receiver) => valueAt(receiver, "emailAddress") !== undefined))
    yield [deployment.name, "no action group e-mails an operator"];
  for (const alert of alertsOf(deployment)) {
    const actions = valueAt(alert, "properties.actions");
    if ((Array.isArray(actions) ? actions : arrayAt(actions, "actionGroups")).length === 0)
      yield [at(deployment, alert), "sends its alert to no action group"];
  }
});

/** Every item with a query anywhere in a workbook (groups nest items), as [item name, query]. */
function* queries(value: unknown): Generator<Found> {
  if (typeof value !== "object" || value === null) return;
  const query = valueAt(value, "content.query");
  const name = valueAt(value, "name");
  if (typeof query === "string") yield [typeof name === "string" ? name : "?", query];
  for (const child of Object.values(value)) yield* queries(child);
}

function parseJson(text: unknown): unknown {
  try {
    return JSON.parse(String(text));
  } catch {
    return undefined; // An expression the snapshot could not evaluate.
  }
}

export const checkWorkbook = perDeployment("workbook", function* (deployment): Generator<Found> {
  const workbooks = ofType(deployment, "Microsoft.Insights/workbooks");
  if (workbooks.length === 0) yield [deployment.name, "no operators' workbook is deployed"];
  for (const alert of alertsOf(deployment)) {
    if (!stringsIn(alert).some((text) => workbooks.some((workbook) => text.includes(workbook.id))))
      yield [at(deployment, alert), "does not link to the workbook"];
  }
  for (const workbook of workbooks) {
    const data = parseJson(valueAt(workbook, "properties.serializedData"));
    if (!Array.isArray(valueAt(data, "items")))
      yield [at(deployment, workbook), "serializedData is not a workbook"];
    for (const [item, query] of queries(data)) {
      const unknown = unknownNames(query).join(", ");
      if (unknown !== "")
        yield [
          at(deployment, workbook),
          `item ${item} names what Application Insights does not have: ${unknown}`,
        ];
    }
  }
});
