/**
 * The infrastructure check: compiles the templates with the real Bicep CLI (compiler and linter
 * findings first), then runs each check over the compiled ARM JSON and the resources each case
 * deploys. No finding means it passed.
 */
import type { CompiledInfra } from "./arm.js";
import { checkAzdEntryPoint } from "./azd.js";
import type { Compilation, CompileOptions } from "./compile.js";
import { compileInfra } from "./compile.js";
import type { Finding } from "./findings.js";
import type { BicepServer } from "./jsonrpc.js";
import { checkNoKeys } from "./keys.js";
import { checkDiagnostics } from "./logs.js";
import { checkNetwork } from "./network.js";
import { checkAlerts, checkFunctionApp } from "./platform.js";
import { checkRoleAssignments } from "./roles.js";
import {
  checkFtps,
  checkHttpsOnly,
  checkKeyVault,
  checkLocalAuth,
  checkPublicBlobAccess,
  checkTls,
} from "./security.js";
import { checkAppSettings } from "./settings.js";
import { checkQueues, checkTables } from "./topology.js";
import { checkWorkbook } from "./workbook.js";

export type Check = (compiled: CompiledInfra) => Finding[];

/** Every check, by the name its findings carry. */
export const CHECKS: Readonly<Record<string, Check>> = {
  "local-auth": checkLocalAuth,
  tls: checkTls,
  "https-only": checkHttpsOnly,
  "public-blob-access": checkPublicBlobAccess,
  ftps: checkFtps,
  "key-vault": checkKeyVault,
  network: checkNetwork,
  diagnostics: checkDiagnostics,
  roles: checkRoleAssignments,
  "no-keys": checkNoKeys,
  queues: checkQueues,
  tables: checkTables,
  "app-settings": checkAppSettings,
  azd: checkAzdEntryPoint,
  "function-app": checkFunctionApp,
  alerts: checkAlerts,
  workbook: checkWorkbook,
};

export function runChecks(
  compiled: CompiledInfra,
  checks: readonly Check[] = Object.values(CHECKS),
): Finding[] {
  return checks.flatMap((check) => check(compiled));
}

/** The compiler's findings, then the checks'; a template that does not compile has only the former. */
export function findingsOf({ findings, compiled }: Compilation, checks?: readonly Check[]): Finding[] {
  return compiled === undefined ? findings : [...findings, ...runChecks(compiled, checks)];
}

/** Compiles, then checks. */
export async function checkInfra(
  server: BicepServer,
  options: CompileOptions,
  checks?: readonly Check[],
): Promise<Finding[]> {
  return findingsOf(await compileInfra(server, options), checks);
}
