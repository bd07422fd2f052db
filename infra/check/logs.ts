/**
 * Every diagnostic setting goes to the one Log Analytics workspace: the function app, the Service
 * Bus namespace, the storage account (and its blob, table and queue services) and the key vault
 * each send their logs and metrics there, in every case.
 */
import type { CompiledInfra, Deployment } from "./arm.js";
import { describeResource, extensionScope, ofType, valueAt } from "./arm.js";
import type { Finding } from "./findings.js";
import { finding } from "./findings.js";

export const WORKSPACE_TYPE = "Microsoft.OperationalInsights/workspaces";
export const DIAGNOSTIC_SETTINGS_TYPE = "Microsoft.Insights/diagnosticSettings";

/** Resource types whose every resource must have a diagnostic setting, and whether it must carry logs. */
export const MONITORED_TYPES: Readonly<Record<string, { readonly logs: boolean }>> = {
  "Microsoft.Web/sites": { logs: true },
  "Microsoft.ServiceBus/namespaces": { logs: true },
  // A storage account itself has metrics only; its services have the logs.
  "Microsoft.Storage/storageAccounts": { logs: false },
  "Microsoft.Storage/storageAccounts/blobServices": { logs: true },
  "Microsoft.Storage/storageAccounts/tableServices": { logs: true },
  "Microsoft.Storage/storageAccounts/queueServices": { logs: true },
  "Microsoft.KeyVault/vaults": { logs: true },
};

function deploymentFindings(deployment: Deployment): Finding[] {
  const workspaces = ofType(deployment, WORKSPACE_TYPE);
  const [workspace] = workspaces;
  if (workspace === undefined || workspaces.length > 1) {
    return [
      finding(
        "diagnostics",
        deployment.name,
        `exactly one Log Analytics workspace must be deployed, found ${workspaces.length}`,
      ),
    ];
  }
  const settings = ofType(deployment, DIAGNOSTIC_SETTINGS_TYPE);
  return Object.entries(MONITORED_TYPES).flatMap(([type, { logs }]) =>
    ofType(deployment, type).flatMap((resource) => {
      const own = settings.filter(
        (setting) => extensionScope(setting)?.toLowerCase() === resource.id.toLowerCase(),
      );
      const sent = own.filter((setting) => valueAt(setting, ["properties", "workspaceId"]) === workspace.id);
      const withLogs = sent.filter((setting) => {
        const entries = valueAt(setting, ["properties", "logs"]);
        return Array.isArray(entries) && entries.some((entry) => valueAt(entry, ["enabled"]) === true);
      });
      const where = describeResource(deployment, resource);
      if (sent.length === 0) {
        return [
          finding(
            "diagnostics",
            where,
            `no diagnostic setting sends it to the Log Analytics workspace ${workspace.name}`,
          ),
        ];
      }
      return logs && withLogs.length === 0
        ? [finding("diagnostics", where, `its diagnostic setting sends no logs to ${workspace.name}`)]
        : [];
    }),
  );
}

export function checkDiagnostics(compiled: CompiledInfra): Finding[] {
  return compiled.deployments.flatMap(deploymentFindings);
}
