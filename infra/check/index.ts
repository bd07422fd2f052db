/**
 * The infrastructure check: compiles the templates with the real Bicep CLI (compiler and linter
 * findings first), then runs every check over the compiled ARM JSON and the resources each case
 * deploys. No finding means it passed.
 */
import type { Check, Finding } from "./arm.js";
import type { Compilation, CompileOptions } from "./compile.js";
import { compileInfra } from "./compile.js";
import type { BicepServer } from "./jsonrpc.js";
import { checkAlerts, checkDiagnostics, checkWorkbook } from "./monitoring.js";
import { checkNetwork } from "./network.js";
import { checkRoles } from "./roles.js";
import { checkRules } from "./rules.js";
import { checkAppSettings } from "./settings.js";
import { checkAzd, checkNoKeys } from "./template.js";
import { checkQueues, checkTables } from "./topology.js";

/** Each finding names its check (`tls`, `roles`, …), so one list runs them all. */
export const CHECKS: readonly Check[] = [
  checkRules,
  checkNetwork,
  checkRoles,
  checkNoKeys,
  checkQueues,
  checkTables,
  checkAppSettings,
  checkAzd,
  checkDiagnostics,
  checkAlerts,
  checkWorkbook,
];

/** The compiler's findings, then the checks'; a template that does not compile has only the former. */
export function findingsOf({ findings, compiled }: Compilation): Finding[] {
  return compiled === undefined ? findings : [...findings, ...CHECKS.flatMap((check) => check(compiled))];
}

export async function checkInfra(server: BicepServer, options: CompileOptions): Promise<Finding[]> {
  return findingsOf(await compileInfra(server, options));
}
