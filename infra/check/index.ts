/**
 * The infrastructure check: parses every `.bicep` file under `infra/` and runs each check over the
 * syntax trees. Each check returns findings (file, line, message); no finding means it passed.
 */
import {
  checkAzdEntryPoint,
  checkDescriptions,
  checkReferences,
  checkSecureParameters,
} from "./declarations.js";
import type { Finding } from "./findings.js";
import { findingAt } from "./findings.js";
import { checkNoKeys } from "./keys.js";
import { syntaxErrors } from "./parser.js";
import { checkAlerts, checkFunctionApp } from "./platform.js";
import type { InfraProject, LoadOptions } from "./project.js";
import { loadInfraProject } from "./project.js";
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

export type { Finding } from "./findings.js";
export { formatFinding } from "./findings.js";
export type { InfraProject, LoadOptions } from "./project.js";
export { loadInfraProject } from "./project.js";

/** Any parse error, with file:line:col. */
export function checkParse(project: InfraProject): Finding[] {
  return project.files.flatMap((file) =>
    syntaxErrors(file.root).map((error) => findingAt("parse", file.path, error.node, error.message)),
  );
}

export type Check = (project: InfraProject) => Finding[];

/** Every check, by the name its findings carry. */
export const CHECKS: Readonly<Record<string, Check>> = {
  parse: checkParse,
  "local-auth": checkLocalAuth,
  tls: checkTls,
  "https-only": checkHttpsOnly,
  "public-blob-access": checkPublicBlobAccess,
  ftps: checkFtps,
  "key-vault": checkKeyVault,
  roles: checkRoleAssignments,
  "no-keys": checkNoKeys,
  queues: checkQueues,
  tables: checkTables,
  "app-settings": checkAppSettings,
  descriptions: checkDescriptions,
  "secure-params": checkSecureParameters,
  references: checkReferences,
  azd: checkAzdEntryPoint,
  "function-app": checkFunctionApp,
  alerts: checkAlerts,
};

export function runChecks(project: InfraProject): Finding[] {
  return Object.values(CHECKS).flatMap((check) => check(project));
}

/** Loads, checks and frees the project in one go; what the CLI runs. */
export async function checkInfra(options: LoadOptions): Promise<{ files: string[]; findings: Finding[] }> {
  const project = await loadInfraProject(options);
  try {
    return { files: project.files.map((file) => file.path), findings: runChecks(project) };
  } finally {
    project.dispose();
  }
}
