/**
 * Compiles the templates with the real Bicep CLI: main.bicep to ARM JSON (the compiler's and the
 * linter's diagnostics come with it), then each check case's .bicepparam file to the resources it
 * would deploy. Overrides compile an edited copy in a scratch folder, never touching the tree.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import type { CompiledInfra, Deployment } from "./arm.js";
import { snapshotSchema } from "./arm.js";
import type { Finding } from "./findings.js";
import { finding } from "./findings.js";
import type { BicepServer, Diagnostic } from "./jsonrpc.js";
import { CACHE_DIR } from "./locate.js";

export const INFRA_DIR = "infra";
export const MAIN_FILE = `${INFRA_DIR}/main.bicep`;

/** A parameter set the templates are checked with; each must compile and pass every check. */
export interface CheckCase {
  readonly name: string;
  /** Repo-relative `.bicepparam` file that names main.bicep in its `using`. */
  readonly paramsFile: string;
  /** Whether it sets vnetEnabled, so private endpoints are expected. */
  readonly privateNetwork: boolean;
}

export const CASES: readonly CheckCase[] = [
  {
    name: "public network",
    paramsFile: `${INFRA_DIR}/check/cases/public-network.bicepparam`,
    privateNetwork: false,
  },
  {
    name: "private network",
    paramsFile: `${INFRA_DIR}/check/cases/private-network.bicepparam`,
    privateNetwork: true,
  },
];

/** Made-up ids: `subscription()` and `tenant()` need values, no real deployment is made. */
const METADATA = {
  tenantId: "00000000-0000-0000-0000-00000000a11d",
  subscriptionId: "00000000-0000-0000-0000-0000000005cb",
  location: "swedencentral",
};

export interface CompileOptions {
  /** The repository root; `infra/` is compiled below it. */
  readonly rootDir: string;
  /** Repo-relative path → replacement text (a mutated copy), or null to delete the file. */
  readonly overrides?: Readonly<Record<string, string | null>>;
  /** The cases to deploy; all by default. */
  readonly cases?: readonly CheckCase[];
}

export interface Compilation {
  /** Compile errors and every linter warning, each at file:line:col. */
  readonly findings: Finding[];
  /** Undefined when main.bicep did not compile. */
  readonly compiled: CompiledInfra | undefined;
}

function toPosix(file: string): string {
  return file.split(path.sep).join("/");
}

function diagnosticFinding(rootDir: string, diagnostic: Diagnostic): Finding {
  const file = toPosix(path.relative(rootDir, diagnostic.source));
  const { line, char } = diagnostic.range.start;
  return finding(
    "bicep",
    `${file}:${line + 1}:${char + 1}`,
    `${diagnostic.level} ${diagnostic.code}: ${diagnostic.message}`,
  );
}

/** Informational diagnostics are notes; warnings and errors are findings. */
function counts(diagnostic: Diagnostic): boolean {
  return diagnostic.level === "Error" || diagnostic.level === "Warning";
}

/** A scratch copy of infra/ (without the cached CLI) with the overrides applied. */
function mutatedCopy(rootDir: string, overrides: Readonly<Record<string, string | null>>): string {
  const copy = mkdtempSync(path.join(os.tmpdir(), "infra-check-"));
  const skipped = [path.join(rootDir, CACHE_DIR), path.join(rootDir, INFRA_DIR, "bicep-cli", "obj")];
  cpSync(path.join(rootDir, INFRA_DIR), path.join(copy, INFRA_DIR), {
    recursive: true,
    filter: (source) => !skipped.includes(source),
  });
  for (const [file, text] of Object.entries(overrides)) {
    const target = path.join(copy, file);
    if (text === null) rmSync(target, { force: true });
    else {
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, text);
    }
  }
  return copy;
}

async function deploy(
  server: BicepServer,
  rootDir: string,
  checkCase: CheckCase,
): Promise<Deployment | Finding> {
  try {
    const snapshot = await server.snapshot(path.join(rootDir, checkCase.paramsFile), METADATA);
    const parsed = snapshotSchema.parse(JSON.parse(snapshot));
    return {
      name: checkCase.name,
      privateNetwork: checkCase.privateNetwork,
      resources: parsed.predictedResources,
    };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return finding("bicep", checkCase.paramsFile, `the ${checkCase.name} case does not deploy: ${reason}`);
  }
}

type ReadText = (file: string) => string | undefined;

/** The tree's files with the overrides on top: what the scratch copy held. */
function textReader(rootDir: string, overrides: Readonly<Record<string, string | null>>): ReadText {
  return (file) => {
    if (Object.hasOwn(overrides, file)) return overrides[file] ?? undefined;
    const onDisk = path.join(rootDir, file);
    return existsSync(onDisk) ? readFileSync(onDisk, "utf8") : undefined;
  };
}

async function compileAt(
  server: BicepServer,
  rootDir: string,
  cases: readonly CheckCase[],
  readText: ReadText,
): Promise<Compilation> {
  const main = await server.compile(path.join(rootDir, MAIN_FILE));
  const findings = main.diagnostics
    .filter(counts)
    .map((diagnostic) => diagnosticFinding(rootDir, diagnostic));
  // Linter errors leave a template to check; compile errors do not.
  if (main.contents === undefined || main.contents === null) return { findings, compiled: undefined };

  const deployments: Deployment[] = [];
  for (const result of await Promise.all(cases.map((checkCase) => deploy(server, rootDir, checkCase)))) {
    if ("resources" in result) deployments.push(result);
    else findings.push(result);
  }
  const template = JSON.parse(main.contents) as Record<string, unknown>;
  return { findings, compiled: { template, deployments, readText } };
}

export async function compileInfra(server: BicepServer, options: CompileOptions): Promise<Compilation> {
  const cases = options.cases ?? CASES;
  const overrides = options.overrides ?? {};
  const readText = textReader(options.rootDir, overrides);
  if (Object.keys(overrides).length === 0) return compileAt(server, options.rootDir, cases, readText);
  const copy = mutatedCopy(options.rootDir, overrides);
  try {
    return await compileAt(server, copy, cases, readText);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}
