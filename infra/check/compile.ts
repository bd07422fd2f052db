/**
 * Compiles the templates with the real Bicep CLI: main.bicep to ARM JSON (the compiler's and the
 * linter's diagnostics come with it), then each check case's .bicepparam file to the resources it
 * would deploy. Overrides compile an edited copy in a scratch folder, never touching the tree.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { z } from "zod";

import type { ArmResource, CompiledInfra, Deployment, Finding } from "./arm.js";
import { finding } from "./arm.js";
import type { BicepServer } from "./jsonrpc.js";

export const MAIN_FILE = "infra/main.bicep";

/** A parameter set the templates are checked with; each must compile and pass every check. */
export interface CheckCase {
  readonly name: string;
  /** Repo-relative `.bicepparam` file that names main.bicep in its `using`. */
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

const snapshotSchema = z.object({
  predictedResources: z.array(z.looseObject({ id: z.string(), type: z.string(), name: z.string() })),
});

/** A scratch copy of infra/ (without the cached CLI and the restore's files) with the overrides applied. */
function mutatedCopy(rootDir: string, overrides: Readonly<Record<string, string | null>>): string {
  const copy = mkdtempSync(path.join(os.tmpdir(), "infra-check-"));
  const skipped = ["infra/.bicep", "infra/bicep-cli/obj"].map((dir) => path.join(rootDir, dir));
  cpSync(path.join(rootDir, "infra"), path.join(copy, "infra"), {
    recursive: true,
    filter: (file) => !skipped.includes(file),
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

async function deploy(server: BicepServer, dir: string, checkCase: CheckCase): Promise<Deployment | Finding> {
  try {
    const snapshot = snapshotSchema.parse(await server.snapshot(path.join(dir, checkCase.paramsFile)));
    const resources: readonly ArmResource[] = snapshot.predictedResources;
    return { name: checkCase.name, privateNetwork: checkCase.privateNetwork, resources };
  } catch (error) {
    return finding(
      "bicep",
      checkCase.paramsFile,
      `the ${checkCase.name} case does not deploy: ${String(error)}`,
    );
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
  const deployments = results.filter((result): result is Deployment => "resources" in result);
  const overrides = options.overrides ?? {};
  const readText = (file: string): string | undefined => {
    if (Object.hasOwn(overrides, file)) return overrides[file] ?? undefined;
    const onDisk = path.join(options.rootDir, file);
    return existsSync(onDisk) ? readFileSync(onDisk, "utf8") : undefined;
  };
  return {
    findings: [...findings, ...results.filter((result): result is Finding => !("resources" in result))],
    compiled: { template: JSON.parse(main.contents) as Record<string, unknown>, deployments, readText },
  };
}

export async function compileInfra(server: BicepServer, options: CompileOptions): Promise<Compilation> {
  if (Object.keys(options.overrides ?? {}).length === 0) return compileAt(server, options.rootDir, options);
  const copy = mutatedCopy(options.rootDir, options.overrides ?? {});
  try {
    return await compileAt(server, copy, options);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}
