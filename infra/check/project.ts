/**
 * The infrastructure as the checks see it: every `.bicep` file under `infra/`, parsed, plus the
 * other files the templates read (JSON via loadJsonContent, the parameters file). Overrides let a
 * test feed an edited copy of any file without touching the disk.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

import type { Node, Tree } from "web-tree-sitter";

import { createBicepParser } from "./parser.js";

export interface BicepFile {
  /** Repo-relative path with forward slashes. */
  readonly path: string;
  readonly source: string;
  readonly root: Node;
}

export interface InfraProject {
  readonly rootDir: string;
  readonly files: readonly BicepFile[];
  /** A repo-relative file's text (overrides first), or undefined when it does not exist. */
  readText(file: string): string | undefined;
  /** Frees the syntax trees (they live in WebAssembly memory). */
  dispose(): void;
}

export interface LoadOptions {
  /** The repository root; `infra/` is read below it. */
  readonly rootDir: string;
  /** Repo-relative path → replacement text, or null to treat the file as deleted. */
  readonly overrides?: Readonly<Record<string, string | null>>;
}

export const INFRA_DIR = "infra";

function toPosix(file: string): string {
  return file.split(path.sep).join("/");
}

function bicepFilesOnDisk(rootDir: string): string[] {
  const infraDir = path.join(rootDir, INFRA_DIR);
  if (!existsSync(infraDir)) return [];
  return readdirSync(infraDir, { recursive: true, encoding: "utf8" })
    .filter((entry) => entry.endsWith(".bicep") && !entry.split(path.sep).includes("node_modules"))
    .map((entry) => toPosix(path.join(INFRA_DIR, entry)));
}

/** Resolves a path written in `fromFile` (relative to its folder) to a repo-relative path. */
export function resolveFrom(fromFile: string, written: string): string {
  return path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), written));
}

export async function loadInfraProject(options: LoadOptions): Promise<InfraProject> {
  const overrides = options.overrides ?? {};
  const readText = (file: string): string | undefined => {
    if (Object.hasOwn(overrides, file)) return overrides[file] ?? undefined;
    const onDisk = path.join(options.rootDir, file);
    return existsSync(onDisk) ? readFileSync(onDisk, "utf8") : undefined;
  };
  const added = Object.keys(overrides).filter(
    (file) => file.startsWith(`${INFRA_DIR}/`) && file.endsWith(".bicep"),
  );
  const paths = [...new Set([...bicepFilesOnDisk(options.rootDir), ...added])].sort();

  const parser = await createBicepParser();
  const trees: Tree[] = [];
  const files: BicepFile[] = [];
  for (const file of paths) {
    const source = readText(file);
    if (source === undefined) continue;
    const tree = parser.parse(source);
    trees.push(tree);
    files.push({ path: file, source, root: tree.rootNode });
  }

  return {
    rootDir: options.rootDir,
    files,
    readText,
    dispose() {
      for (const tree of trees) tree.delete();
    },
  };
}
