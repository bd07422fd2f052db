/**
 * Where the app lives and which entry files the host loads: package.json `main` (the compiled
 * `dist/functions/*.js`, as Azure runs it) when this code itself runs compiled, the TypeScript
 * sources when it runs as TypeScript (tsx, vitest), so a source run never loads a stale build.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The entry glob for running the functions from their TypeScript sources. */
export const SOURCE_ENTRY = "functions/*.ts";

/** The nearest folder at or above the module that holds a package.json: the app's root. */
export function projectRoot(moduleUrl: string): string {
  let folder = path.dirname(fileURLToPath(moduleUrl));
  for (;;) {
    if (existsSync(path.join(folder, "package.json"))) return folder;
    const parent = path.dirname(folder);
    if (parent === folder) throw new Error(`No package.json at or above ${fileURLToPath(moduleUrl)}`);
    folder = parent;
  }
}

/** `functions/*.ts` when the given module runs from TypeScript; undefined means package.json `main`. */
export function entryOverride(moduleUrl: string): string | undefined {
  return /\.[cm]?ts$/.test(fileURLToPath(moduleUrl)) ? SOURCE_ENTRY : undefined;
}

/**
 * Where the local stack keeps its development keys and the identity provider's key: `LOCAL_STATE_DIR`,
 * else `<repo root>/.local` (git-ignored). Tests point it elsewhere so they never touch a developer's.
 */
export function localStateDir(): string {
  const chosen = process.env.LOCAL_STATE_DIR?.trim();
  return chosen === undefined || chosen === "" ? path.join(projectRoot(import.meta.url), ".local") : chosen;
}
