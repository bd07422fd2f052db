/** Compiles edited copies of the real templates with the Bicep CLI and runs the infra checks on them. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { afterAll, afterEach, expect, it } from "vitest";

import type { Finding } from "../../infra/check/arm.js";
import type { CheckCase, Compilation } from "../../infra/check/compile.js";
import { CASES, compileInfra } from "../../infra/check/compile.js";
import { findingsOf } from "../../infra/check/index.js";
import { BicepServer } from "../../infra/check/jsonrpc.js";
import { locateBicep } from "../../infra/check/locate.js";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export const MAIN = "infra/main.bicep";
export const FUNCTION_APP = "infra/modules/functionapp.bicep";
export const STORAGE = "infra/modules/storage.bicep";
export const SERVICE_BUS = "infra/modules/servicebus.bicep";
export const MONITORING = "infra/modules/monitoring.bicep";
export const KEY_VAULT = "infra/modules/keyvault.bicep";
export const NETWORK = "infra/modules/network.bicep";
export const ROLES = "infra/modules/roles.bicep";
export const ALERTS = "infra/modules/alerts.bicep";
export const TOPOLOGY = "infra/servicebus-topology.json";
export const TABLES = "infra/tables.json";
export const PARAMETERS = "infra/main.parameters.json";
export const BICEP_CONFIG = "infra/bicepconfig.json";

export const [PUBLIC_NETWORK, PRIVATE_NETWORK] = CASES as [CheckCase, CheckCase];

let server: Promise<BicepServer> | undefined;

/**
 * One CLI process per test file: its start-up and warm-up (seconds) is paid once, every compile
 * after it is quick. So every test that compiles is in templates.test.ts, one file.
 */
export function bicep(): Promise<BicepServer> {
  server ??= locateBicep(ROOT).then((cli) => BicepServer.start(cli.path));
  return server;
}

afterAll(async () => {
  await (await server)?.close();
});

const scratchDirs: string[] = [];

/** A fresh temporary folder, removed after the test. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  scratchDirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of scratchDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function original(file: string): string {
  return readFileSync(path.join(ROOT, file), "utf8");
}

/** One change to one file; throws when the change no longer applies. */
export interface Edit {
  readonly file: string;
  readonly apply: (text: string) => string;
}

/**
 * Replaces `from` by `to` in `file`. `from` must occur exactly once, so a template change that makes
 * an edit miss fails the test instead of silently passing it.
 */
export function replace(file: string, from: string, to: string): Edit {
  return {
    file,
    apply: (text) => {
      const count = text.split(from).length - 1;
      if (count !== 1)
        throw new Error(`expected exactly one ${JSON.stringify(from)} in ${file}, found ${count}`);
      return text.replace(from, to);
    },
  };
}

/** Several replacements in one file, applied in order. */
export function edit(file: string, ...replacements: [from: string, to: string][]): Edit[] {
  return replacements.map(([from, to]) => replace(file, from, to));
}

/** Changes the parsed JSON of `file` in place. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- T only types the caller's callback
export function changeJson<T>(file: string, change: (value: T) => void): Edit {
  return {
    file,
    apply: (text) => {
      const value = JSON.parse(text) as T;
      change(value);
      return JSON.stringify(value, null, 2);
    },
  };
}

/** The texts of the real files with the edits applied in order. */
export function applyEdits(
  edits: readonly Edit[],
  texts: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const result = { ...texts };
  for (const { file, apply } of edits) result[file] = apply(result[file] ?? original(file));
  return result;
}

let real: Promise<Compilation> | undefined;

/** The real templates compiled, both cases deployed: once for the test file. */
export function realTemplates(): Promise<Compilation> {
  real ??= bicep().then((server) => compileInfra(server, { rootDir: ROOT }));
  return real;
}

/** A finding looked for: its check, where (a fragment), and fragments of its message. */
export interface ExpectedFinding {
  check?: string;
  where?: string;
  says: readonly string[];
}

export function expectFinding(findings: readonly Finding[], expected: ExpectedFinding): Finding {
  const match = findings.find(
    (found) =>
      (expected.check === undefined || found.check === expected.check) &&
      (expected.where === undefined || found.where.includes(expected.where)) &&
      expected.says.every((fragment) => found.message.includes(fragment)),
  );
  expect(
    match,
    `no finding ${JSON.stringify(expected)} among ${JSON.stringify(findings, null, 2)}`,
  ).toBeDefined();
  return match!;
}

/** A change to the Bicep (or the JSON it loads) and the findings the checks must report on it. */
export interface Mutation {
  /** What is broken; the test's name. */
  name: string;
  edits: readonly Edit[];
  finds: readonly ExpectedFinding[];
  /** The case to deploy; the public network unless the mutation is about the private one. */
  case?: CheckCase;
  /** Compiled on its own: it removes something another mutation's finding would need. */
  alone?: boolean;
}

interface Batch {
  readonly checkCase: CheckCase;
  readonly alone: boolean;
  texts: Record<string, string>;
  /** Why the batch's first mutation did not apply. */
  error?: Error;
  compilation?: Promise<Compilation>;
}

/** Every batch of the test file, whichever check its mutations are for. */
const pool: Batch[] = [];

/**
 * Groups mutations whose edits still apply on top of each other, so one compile serves many: each
 * finding names what it is about, and the unmutated templates have none (compile.test.ts), so every
 * expected finding in a batch is its mutation's doing. An edit that does not apply to the real files
 * fails its own test.
 */
function batchesFor(mutations: readonly Mutation[]): Map<Mutation, Batch> {
  const all = pool;
  const byMutation = new Map<Mutation, Batch>();
  for (const mutation of mutations) {
    const checkCase = mutation.case ?? PUBLIC_NETWORK;
    const alone = mutation.alone === true;
    let home = all.find((batch) => {
      if (batch.alone || alone || batch.error !== undefined || batch.checkCase !== checkCase) return false;
      try {
        batch.texts = applyEdits(mutation.edits, batch.texts);
        return true;
      } catch {
        return false;
      }
    });
    if (home === undefined) {
      home = { checkCase, alone, texts: {} };
      try {
        home.texts = applyEdits(mutation.edits);
      } catch (error) {
        home.error = error instanceof Error ? error : new Error(String(error));
      }
      all.push(home);
    }
    byMutation.set(mutation, home);
  }
  return byMutation;
}

/**
 * bicepconfig.json with every linter rule lowered to a warning: a mutation that leaves, say, a
 * parameter unused must still compile, so the check under test (not the linter) is what it meets.
 * compile.test.ts shows the linter's errors on their own.
 */
function linterAsWarnings(): Record<string, string> {
  const config = JSON.parse(original(BICEP_CONFIG)) as {
    analyzers: { core: { rules: Record<string, { level: string }> } };
  };
  for (const rule of Object.values(config.analyzers.core.rules)) rule.level = "warning";
  return { [BICEP_CONFIG]: JSON.stringify(config) };
}

/** One test per mutation: the checks, run over the compiled mutated templates, report every expected finding (of `check`, unless it names its own). */
export function itReports(check: string, mutations: readonly Mutation[]): void {
  const homes = batchesFor(mutations);
  for (const mutation of mutations) {
    // The first of a batch waits for its compilation: over 30 s on a loaded 2-core machine.
    it(mutation.name, { timeout: 120_000 }, async () => {
      const batch = homes.get(mutation)!;
      if (batch.error !== undefined) throw batch.error;
      const overrides = { ...batch.texts, ...linterAsWarnings() };
      batch.compilation ??= bicep().then((server) =>
        compileInfra(server, { rootDir: ROOT, overrides, cases: [batch.checkCase] }),
      );
      // Compiled once per batch; each mutation looks for its own findings in it.
      const findings = findingsOf(await batch.compilation);
      for (const expected of mutation.finds) expectFinding(findings, { check, ...expected });
    });
  }
}
