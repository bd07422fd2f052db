/**
 * The glob subset `package.json` `main` uses in Functions apps (`dist/functions/*.js`,
 * `dist/src/{index.js,functions/*.js}`, `dist/**\/*.js`): `*`, `?`, `**`, `{a,b}` and `[...]`.
 * Matches files only, relative to a root, returned sorted so load order is stable.
 */
import { readdir } from "node:fs/promises";
import path from "node:path";

/** Expands `{a,b}` alternatives into separate patterns. */
export function expandBraces(pattern: string): string[] {
  const open = pattern.indexOf("{");
  if (open < 0) return [pattern];
  let depth = 0;
  for (let index = open; index < pattern.length; index++) {
    const char = pattern[index];
    if (char === "{") depth++;
    else if (char === "}" && --depth === 0) {
      const alternatives = splitTopLevel(pattern.slice(open + 1, index));
      const before = pattern.slice(0, open);
      const after = pattern.slice(index + 1);
      return alternatives.flatMap((alternative) => expandBraces(before + alternative + after));
    }
  }
  return [pattern];
}

function splitTopLevel(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of body) {
    if (char === "," && depth === 0) {
      parts.push(current);
      current = "";
      continue;
    }
    if (char === "{") depth++;
    if (char === "}") depth--;
    current += char;
  }
  parts.push(current);
  return parts;
}

/** One path segment's pattern as an anchored regular expression. */
function segmentRegExp(segment: string): RegExp {
  let source = "";
  for (let index = 0; index < segment.length; index++) {
    const char = segment.charAt(index);
    if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else if (char === "[") {
      const close = segment.indexOf("]", index + 1);
      if (close < 0) {
        source += "\\[";
        continue;
      }
      const body = segment
        .slice(index + 1, close)
        .replace(/^!/, "^")
        .replace(/\\/g, "\\\\");
      source += `[${body}]`;
      index = close;
    } else source += char.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

function hasMagic(segment: string): boolean {
  return /[*?[]/.test(segment);
}

/** Files under `rootDir` matching `pattern`, as paths relative to `rootDir` with `/`. */
export async function globFiles(rootDir: string, pattern: string): Promise<string[]> {
  const found = new Set<string>();
  for (const expanded of expandBraces(pattern.replace(/\\/g, "/"))) {
    const segments = expanded.replace(/^\.\//, "").split("/").filter(Boolean);
    await walk(rootDir, "", segments, found);
  }
  return [...found].sort();
}

async function walk(
  rootDir: string,
  relative: string,
  segments: readonly string[],
  found: Set<string>,
): Promise<void> {
  const [segment, ...rest] = segments;
  if (segment === undefined) return;
  const entries = await readdir(path.join(rootDir, relative), { withFileTypes: true }).catch(() => []);
  if (segment === "**") {
    // `**` matches zero directories (try the rest here) or one more (recurse keeping `**`).
    await walk(rootDir, relative, rest, found);
    for (const entry of entries) {
      if (entry.isDirectory() && entry.name !== "node_modules" && !entry.name.startsWith(".")) {
        await walk(rootDir, join(relative, entry.name), segments, found);
      }
    }
    return;
  }
  const matches = hasMagic(segment)
    ? entries.filter((entry) => segmentRegExp(segment).test(entry.name))
    : entries.filter((entry) => entry.name === segment);
  for (const entry of matches) {
    const child = join(relative, entry.name);
    if (rest.length === 0) {
      if (entry.isFile()) found.add(child);
    } else if (entry.isDirectory()) {
      await walk(rootDir, child, rest, found);
    }
  }
}

function join(relative: string, name: string): string {
  return relative === "" ? name : `${relative}/${name}`;
}
