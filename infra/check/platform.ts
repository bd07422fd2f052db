/**
 * The hosting and the operator's alarms: a Flex Consumption (FC1) app on Node 20 deploying through
 * its user-assigned identity, and alerts for dead letters, failed executions and an overdue sweep,
 * each sent to an e-mail action group.
 */
import type { ArmResource, CompiledInfra, Deployment } from "./arm.js";
import { describeResource, ofType, valueAt } from "./arm.js";
import type { Finding } from "./findings.js";
import { finding } from "./findings.js";
import type { Requirement } from "./security.js";
import { checkRequirements, rule } from "./security.js";

/** The timer function's registered name; the sweep alert looks for its successful runs. */
export const SWEEP_FUNCTION_NAME = "sweepTimer";

const RUNTIME = "properties.functionAppConfig.runtime";
const FUNCTION_APP_REQUIREMENTS: readonly Requirement[] = [
  rule("function-app", "Microsoft.Web/serverfarms", "sku.name", "FC1", "Flex Consumption", "deployed"),
  rule("function-app", "Microsoft.Web/sites", "identity.type", "UserAssigned", "runs as its identity"),
  rule("function-app", "Microsoft.Web/sites", `${RUNTIME}.name`, "node", "the app is Node.js"),
  rule("function-app", "Microsoft.Web/sites", `${RUNTIME}.version`, "20", "the app targets Node 20"),
  rule(
    "function-app",
    "Microsoft.Web/sites",
    "properties.functionAppConfig.deployment.storage.authentication.type",
    "UserAssignedIdentity",
    "the package is read with the identity, not a key",
  ),
];

/** FC1 plan, Node 20 runtime, identity-based deployment storage, and Key Vault references resolved as the identity. */
export function checkFunctionApp(compiled: CompiledInfra): Finding[] {
  const findings = checkRequirements(compiled, FUNCTION_APP_REQUIREMENTS);
  for (const deployment of compiled.deployments) {
    for (const site of ofType(deployment, "Microsoft.Web/sites")) {
      if (typeof valueAt(site, ["properties", "keyVaultReferenceIdentity"]) !== "string") {
        findings.push(
          finding(
            "function-app",
            describeResource(deployment, site),
            "properties.keyVaultReferenceIdentity must name the user-assigned identity, or Key Vault references cannot resolve",
          ),
        );
      }
    }
  }
  return findings;
}

interface Criterion {
  readonly metricName?: unknown;
  readonly query?: unknown;
  readonly operator?: unknown;
  readonly threshold?: unknown;
}

function criteria(resources: readonly ArmResource[]): Criterion[] {
  return resources.flatMap((resource) => {
    const allOf = valueAt(resource, ["properties", "criteria", "allOf"]);
    return Array.isArray(allOf) ? (allOf as Criterion[]) : [];
  });
}

function queryText(criterion: Criterion): string {
  return typeof criterion.query === "string" ? criterion.query : "";
}

const firesAboveZero = (criterion: Criterion): boolean =>
  criterion.operator === "GreaterThan" && criterion.threshold === 0;

const firesOnZero = (criterion: Criterion): boolean =>
  (criterion.operator === "LessThan" && criterion.threshold === 1) ||
  ((criterion.operator === "Equals" || criterion.operator === "LessThanOrEqual") &&
    criterion.threshold === 0);

function hasActionGroup(resource: ArmResource): boolean {
  const actions = valueAt(resource, ["properties", "actions"]);
  const list = Array.isArray(actions) ? actions : valueAt(actions, ["actionGroups"]);
  return Array.isArray(list) && list.length > 0;
}

function alertFindings(deployment: Deployment): Finding[] {
  const findings: Finding[] = [];
  const metricAlerts = ofType(deployment, "Microsoft.Insights/metricAlerts");
  const logAlerts = ofType(deployment, "Microsoft.Insights/scheduledQueryRules");
  const metricCriteria = criteria(metricAlerts);
  const logCriteria = criteria(logAlerts);
  const missing = (message: string): void => void findings.push(finding("alerts", deployment.name, message));

  if (
    !metricCriteria.some(
      (criterion) => criterion.metricName === "DeadletteredMessages" && firesAboveZero(criterion),
    )
  ) {
    missing(
      "no metric alert fires when Service Bus DeadletteredMessages > 0 (messages in a dead-letter queue)",
    );
  }
  const failures = [
    ...metricCriteria.filter((criterion) => criterion.metricName === "requests/failed"),
    ...logCriteria.filter((criterion) => /success\s*==\s*false/.test(queryText(criterion))),
  ];
  if (!failures.some(firesAboveZero)) {
    missing("no alert fires when a function execution fails (requests with success == false > 0)");
  }
  const sweep = logCriteria.filter((criterion) => {
    const text = queryText(criterion);
    return (
      text.includes(`"${SWEEP_FUNCTION_NAME}"`) &&
      text.includes("ago(26h)") &&
      /success\s*==\s*true/.test(text)
    );
  });
  if (!sweep.some(firesOnZero)) {
    missing(
      `no log alert fires when ${SWEEP_FUNCTION_NAME} has had no successful run in 26 hours (count of successful runs == 0)`,
    );
  }
  for (const alert of [...metricAlerts, ...logAlerts]) {
    if (!hasActionGroup(alert)) {
      findings.push(
        finding("alerts", describeResource(deployment, alert), "sends its alert to no action group"),
      );
    }
  }
  const emailGroups = ofType(deployment, "Microsoft.Insights/actionGroups").filter((group) => {
    const receivers = valueAt(group, ["properties", "emailReceivers"]);
    return (
      Array.isArray(receivers) &&
      receivers.some((receiver) => valueAt(receiver, ["emailAddress"]) !== undefined)
    );
  });
  if (emailGroups.length === 0) missing("no action group e-mails an operator");
  return findings;
}

/** Dead letters > 0, failed executions > 0, no successful sweep in 26 h; all routed to an e-mail action group. */
export function checkAlerts(compiled: CompiledInfra): Finding[] {
  return compiled.deployments.flatMap(alertFindings);
}
