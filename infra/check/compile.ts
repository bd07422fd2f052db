/**
 * Compiles the templates with the real Bicep CLI: main.bicep to ARM JSON (the compiler's and the
 * linter's diagnostics come with it), then each check case's .bicepparam file to the resources it
 * would deploy. Overrides compile an edited copy in a scratch folder, never touching the tree.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { z } from "zod";

import type { CompiledInfra, Deployment, Finding } from "./arm.js";
import { finding } from "./arm.js";
import type { BicepServer } from "./jsonrpc.js";

export const MAIN_FILE = "infra/main.bicep";

/** A parameter set (a .bicepparam file naming main.bicep) the templates must compile and pass every check with. */
export interface CheckCase {
  readonly name: string;
  readonly paramsFile: string;
  /** Whether it sets vnetEnabled, so private endpoints are expected. */
  readonly privateNetwork: boolean;
}

export const CASES: readonly CheckCase[] = [false, true].map((privateNetwork) => {
  const name = privateNetwork ? "private network" : "public network";
  return { name, paramsFile: `infra/check/cases/${name.replace(" ", "-")}.bicepparam`, privateNetwork };
});

export interface CompileOptions {
  /** The repository root; `infra/` is compiled below it. */
  readonly rootDir: string;
  /** Repo-relative path → replacement text: compiles a mutated copy. */
  readonly overrides?: Readonly<Record<string, string>>;
  /** The cases to deploy; all by default. */
  readonly cases?: readonly CheckCase[];
}

/** Compile errors and linter warnings (each at file:line:col), and what compiled unless an error stopped it. */
export interface Compilation {
  readonly findings: Finding[];
  readonly compiled: CompiledInfra | undefined;
}

const snapshotSchema = z.object({
  predictedResources: z.array(z.looseObject({ id: z.string(), type: z.string(), name: z.string() })),
});

async function deploy(
  server: BicepServer,
  dir: string,
  { name, paramsFile, privateNetwork }: CheckCase,
): Promise<Deployment | Finding> {
  try {
    const { predictedResources } = snapshotSchema.parse(await server.snapshot(path.join(dir, paramsFile)));
    return { name, privateNetwork, resources: predictedResources };
  } catch (error) {
    return finding("bicep", paramsFile, `the ${name} case does not deploy: ${String(error)}`);
  }
}

async function compileAt(server: BicepServer, dir: string, options: CompileOptions): Promise<Compilation> {
  const main = await server.compile(path.join(dir, MAIN_FILE));
  // Informational diagnostics are notes; warnings and errors are findings.
  const findings = main.diagnostics
    .filter(({ level }) => level === "Error" || level === "Warning")
    .map(({ source, range: { start }, level, code, message }) => {
      const file = path.relative(dir, source).split(path.sep).join("/");
      return finding("bicep", `${file}:${start.line + 1}:${start.char + 1}`, `${level} ${code}: ${message}`);
    });
  // Linter errors leave a template to check; compile errors do not.
  if (typeof main.contents !== "string") return { findings, compiled: undefined };
  const results = await Promise.all(
    (options.cases ?? CASES).map((checkCase) => deploy(server, dir, checkCase)),
  );
  const onDisk = (file: string) => path.join(options.rootDir, file);
  const readText = (file: string): string | undefined =>
    options.overrides?.[file] ?? (existsSync(onDisk(file)) ? readFileSync(onDisk(file), "utf8") : undefined);
  const deployed = (result: Deployment | Finding): result is Deployment => "resources" in result;
  return {
    findings: [...findings, ...results.filter((result): result is Finding => !deployed(result))],
    compiled: {
      template: JSON.parse(main.contents) as Record<string, unknown>,
      deployments: results.filter(deployed),
      readText,
    },
  };
}

export async function compileInfra(server: BicepServer, options: CompileOptions): Promise<Compilation> {
  const overrides = Object.entries(options.overrides ?? {});
  if (overrides.length === 0) return compileAt(server, options.rootDir, options);
  // A scratch copy of infra/, without the cached CLI and the restore's files, with the overrides applied.
  const copy = mkdtempSync(path.join(os.tmpdir(), "infra-check-"));
  const skipped = ["infra/.bicep", "infra/bicep-cli/obj"].map((dir) => path.join(options.rootDir, dir));
  const filter = (file: string) => !skipped.includes(file);
  cpSync(path.join(options.rootDir, "infra"), path.join(copy, "infra"), { recursive: true, filter });
  for (const [file, text] of overrides) {
    mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
    writeFileSync(path.join(copy, file), text);
  }
  try {
    return await compileAt(server, copy, options);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}
