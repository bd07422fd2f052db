/** What a check reports: where (a file:line:col, a file, or a deployed resource) and what is wrong. */
export interface Finding {
  /** The check that found it, e.g. `local-auth`. */
  readonly check: string;
  /** `infra/modules/storage.bicep:12:5`, `infra/tables.json`, or `<case>: <resource type> <name>`. */
  readonly where: string;
  readonly message: string;
}

export function finding(check: string, where: string, message: string): Finding {
  return { check, where, message };
}

/** `where: [check] message`, the shape editors and CI logs link from. */
export function formatFinding({ check, where, message }: Finding): string {
  return `${where}: [${check}] ${message}`;
}
