/** Feeds edited copies of the real templates to the infra checks, without touching the disk. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { expect, it } from "vitest";

import type { Check, Finding } from "../../infra/check/index.js";
import { loadInfraProject } from "../../infra/check/index.js";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export const MAIN = "infra/main.bicep";
export const FUNCTION_APP = "infra/modules/functionapp.bicep";
export const STORAGE = "infra/modules/storage.bicep";
export const SERVICE_BUS = "infra/modules/servicebus.bicep";
export const MONITORING = "infra/modules/monitoring.bicep";
export const KEY_VAULT = "infra/modules/keyvault.bicep";
export const ROLES = "infra/modules/roles.bicep";
export const ALERTS = "infra/modules/alerts.bicep";
export const TOPOLOGY = "infra/servicebus-topology.json";
export const TABLES = "infra/tables.json";
export const PARAMETERS = "infra/main.parameters.json";

export function original(file: string): string {
  return readFileSync(path.join(ROOT, file), "utf8");
}

export type Overrides = Record<string, string | null>;

/**
 * The file's text with each `[from, to]` replacement applied. Each `from` must occur exactly once,
 * so a template change that makes an edit miss fails the test instead of silently passing it.
 */
export function edit(file: string, ...replacements: [from: string, to: string][]): Overrides {
  let text = original(file);
  for (const [from, to] of replacements) {
    const count = text.split(from).length - 1;
    if (count !== 1)
      throw new Error(`expected exactly one ${JSON.stringify(from)} in ${file}, found ${count}`);
    text = text.replace(from, to);
  }
  return { [file]: text };
}

/** Runs one check over the real templates with the overrides applied. */
export async function findingsWith(check: Check, overrides: Overrides = {}): Promise<Finding[]> {
  const project = await loadInfraProject({ rootDir: ROOT, overrides });
  try {
    return check(project);
  } finally {
    project.dispose();
  }
}

/** A finding looked for: in `file` (when given), with every fragment in its message. */
export interface ExpectedFinding {
  file?: string;
  says: readonly string[];
}

/** Asserts some finding is in `file` (when given) and its message contains every fragment. */
export function expectFinding(findings: readonly Finding[], expected: ExpectedFinding): Finding {
  const match = findings.find(
    (finding) =>
      (expected.file === undefined || finding.file === expected.file) &&
      expected.says.every((fragment) => finding.message.includes(fragment)),
  );
  expect(
    match,
    `no finding ${JSON.stringify(expected)} among ${JSON.stringify(findings, null, 2)}`,
  ).toBeDefined();
  return match!;
}

/** A broken copy of the templates and the findings a check must report on it. */
export interface Mutation {
  /** What is broken; the test's name. */
  name: string;
  /** The changed files. Built inside the test, so an edit that no longer matches fails that case alone. */
  change: () => Overrides;
  /** Each of these must be among the findings. */
  finds: readonly ExpectedFinding[];
}

/** One test per mutation: the check, run over the mutated templates, reports every expected finding. */
export function itReports(check: Check, mutations: readonly Mutation[]): void {
  for (const { name, change, finds } of mutations) {
    it(name, async () => {
      const findings = await findingsWith(check, change());
      for (const expected of finds) expectFinding(findings, expected);
    });
  }
}

/** One test per named check: it finds nothing on the real templates. */
export function itPassesOnTheRealTemplates(checks: readonly [name: string, check: Check][]): void {
  it.each(checks)("%s passes", async (_name, check) => {
    expect(await findingsWith(check)).toEqual([]);
  });
}
