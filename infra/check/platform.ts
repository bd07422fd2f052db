/**
 * The hosting and the operator's alarms: a Flex Consumption (FC1) app on Node 20 deploying through
 * its user-assigned identity, and alerts for dead letters, failed executions and an overdue sweep,
 * each sent to an e-mail action group.
 */
import type { Node } from "web-tree-sitter";

import type { Finding } from "./findings.js";
import { findingAt, findingInFile } from "./findings.js";
import type { InfraProject } from "./project.js";
import { INFRA_DIR } from "./project.js";
import { declaredResources, literalText } from "./query.js";
import type { LocatedResource } from "./query.js";
import { checkRequirements } from "./security.js";
import type { Requirement } from "./security.js";
import { children, literalValue, property, propertyAt } from "./syntax.js";

/** The timer function's registered name; the sweep alert looks for its successful runs. */
export const SWEEP_FUNCTION_NAME = "sweepTimer";

const FUNCTION_APP_REQUIREMENTS: readonly Requirement[] = [
  {
    check: "function-app",
    type: "Microsoft.Web/serverfarms",
    path: ["sku", "name"],
    expected: "FC1",
    why: "the Flex Consumption plan",
    typeRequired: true,
  },
  {
    check: "function-app",
    type: "Microsoft.Web/sites",
    path: ["identity", "type"],
    expected: "UserAssigned",
    why: "the app runs as its user-assigned identity",
  },
  {
    check: "function-app",
    type: "Microsoft.Web/sites",
    path: ["properties", "functionAppConfig", "runtime", "name"],
    expected: "node",
    why: "the app is Node.js",
  },
  {
    check: "function-app",
    type: "Microsoft.Web/sites",
    path: ["properties", "functionAppConfig", "runtime", "version"],
    expected: "20",
    why: "the app targets Node 20",
  },
  {
    check: "function-app",
    type: "Microsoft.Web/sites",
    path: ["properties", "functionAppConfig", "deployment", "storage", "authentication", "type"],
    expected: "UserAssignedIdentity",
    why: "the deployment package is read with the identity, not a storage key",
  },
];

/** FC1 plan, Node 20 runtime, identity-based deployment storage and Key Vault references. */
export function checkFunctionApp(project: InfraProject): Finding[] {
  const findings = checkRequirements(project, FUNCTION_APP_REQUIREMENTS);
  for (const { file, resource } of declaredResources(project, "Microsoft.Web/sites")) {
    if (propertyAt(resource.body, ["properties", "keyVaultReferenceIdentity"]) === undefined) {
      findings.push(
        findingAt(
          "function-app",
          file.path,
          resource.node,
          `${resource.symbol}: properties.keyVaultReferenceIdentity must name the user-assigned identity, or Key Vault references cannot resolve`,
        ),
      );
    }
  }
  return findings;
}

interface Criterion {
  readonly located: LocatedResource;
  readonly node: Node;
}

function criteria(located: readonly LocatedResource[]): Criterion[] {
  return located.flatMap((entry) => {
    const allOf = propertyAt(entry.resource.body, ["properties", "criteria", "allOf"]);
    return allOf?.type === "array" ? children(allOf).map((node) => ({ located: entry, node })) : [];
  });
}

function condition(criterion: Criterion): { operator: unknown; threshold: unknown } {
  const operator = property(criterion.node, "operator");
  const threshold = property(criterion.node, "threshold");
  return {
    operator: operator === undefined ? undefined : literalValue(operator),
    threshold: threshold === undefined ? undefined : literalValue(threshold),
  };
}

function queryText(criterion: Criterion): string {
  const query = property(criterion.node, "query");
  return query === undefined ? "" : (literalText(criterion.located.file, query) ?? "");
}

function firesAboveZero(criterion: Criterion): boolean {
  const { operator, threshold } = condition(criterion);
  return operator === "GreaterThan" && threshold === 0;
}

function firesOnZero(criterion: Criterion): boolean {
  const { operator, threshold } = condition(criterion);
  return (
    (operator === "LessThan" && threshold === 1) ||
    ((operator === "Equals" || operator === "LessThanOrEqual") && threshold === 0)
  );
}

function hasActionGroup({ resource }: LocatedResource): boolean {
  const actions = propertyAt(resource.body, ["properties", "actions"]);
  const list = actions?.type === "array" ? actions : property(actions, "actionGroups");
  return list?.type === "array" && children(list).length > 0;
}

/** Dead letters > 0, failed executions > 0, no successful sweep in 26 h; all routed to an e-mail action group. */
export function checkAlerts(project: InfraProject): Finding[] {
  const findings: Finding[] = [];
  const metricAlerts = declaredResources(project, "Microsoft.Insights/metricAlerts");
  const logAlerts = declaredResources(project, "Microsoft.Insights/scheduledQueryRules");
  const metricCriteria = criteria(metricAlerts);
  const logCriteria = criteria(logAlerts);
  const metricName = (criterion: Criterion): unknown => {
    const name = property(criterion.node, "metricName");
    return name === undefined ? undefined : literalValue(name);
  };

  if (
    !metricCriteria.some(
      (criterion) => metricName(criterion) === "DeadletteredMessages" && firesAboveZero(criterion),
    )
  ) {
    findings.push(
      findingInFile(
        "alerts",
        INFRA_DIR,
        0,
        "no metric alert fires when Service Bus DeadletteredMessages > 0 (messages in a dead-letter queue)",
      ),
    );
  }
  const failures = [
    ...metricCriteria.filter((criterion) => metricName(criterion) === "requests/failed"),
    ...logCriteria.filter((criterion) => /success\s*==\s*false/.test(queryText(criterion))),
  ];
  if (!failures.some(firesAboveZero)) {
    findings.push(
      findingInFile(
        "alerts",
        INFRA_DIR,
        0,
        "no alert fires when a function execution fails (requests with success == false > 0)",
      ),
    );
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
    findings.push(
      findingInFile(
        "alerts",
        INFRA_DIR,
        0,
        `no log alert fires when ${SWEEP_FUNCTION_NAME} has had no successful run in 26 hours (count of successful runs == 0)`,
      ),
    );
  }

  for (const located of [...metricAlerts, ...logAlerts]) {
    if (!hasActionGroup(located)) {
      findings.push(
        findingAt(
          "alerts",
          located.file.path,
          located.resource.node,
          `${located.resource.symbol} sends its alert to no action group`,
        ),
      );
    }
  }
  const emailGroups = declaredResources(project, "Microsoft.Insights/actionGroups").filter(({ resource }) => {
    const receivers = propertyAt(resource.body, ["properties", "emailReceivers"]);
    return (
      receivers?.type === "array" &&
      children(receivers).some((receiver) => property(receiver, "emailAddress") !== undefined)
    );
  });
  if (emailGroups.length === 0) {
    findings.push(findingInFile("alerts", INFRA_DIR, 0, "no action group e-mails an operator"));
  }
  return findings;
}
