/**
 * Parses Bicep with tree-sitter-bicep's WebAssembly grammar through web-tree-sitter. No Bicep
 * compiler can run on the dev machines, so this parse (plus the checks over its syntax tree) is
 * the local check; the real `bicep build` runs in the deploy pipeline.
 *
 * Known grammar limits (false errors, so the templates avoid them): `import {…}`, nullable types
 * `T[]?`, `resourceInput<>`, and string text that starts with `//` (`'//'`, or `//` right after an
 * interpolation), which the grammar reads as a comment. `'https://${host}'` parses fine.
 */
import { createRequire } from "node:module";

import { Language, Parser } from "web-tree-sitter";
import type { Node, Tree } from "web-tree-sitter";

const require = createRequire(import.meta.url);

let languageLoading: Promise<Language> | undefined;

async function loadLanguage(): Promise<Language> {
  await Parser.init();
  return Language.load(require.resolve("tree-sitter-bicep/tree-sitter-bicep.wasm"));
}

export interface BicepParser {
  /** Parses one file; the caller deletes the tree when done with it. */
  parse(source: string): Tree;
}

export async function createBicepParser(): Promise<BicepParser> {
  languageLoading ??= loadLanguage();
  const language = await languageLoading;
  const parser = new Parser();
  parser.setLanguage(language);
  return {
    parse(source) {
      const tree = parser.parse(source);
      if (tree === null) throw new Error("tree-sitter-bicep returned no tree");
      return tree;
    },
  };
}

export interface SyntaxError {
  readonly node: Node;
  readonly message: string;
}

/** Every ERROR and MISSING node, outermost first; a clean parse gives none. */
export function syntaxErrors(root: Node): SyntaxError[] {
  const errors: SyntaxError[] = [];
  const visit = (node: Node): void => {
    if (node.isMissing) {
      errors.push({ node, message: `syntax error: missing ${node.type}` });
      return;
    }
    if (node.isError) {
      const excerpt = node.text.split("\n")[0]?.slice(0, 40) ?? "";
      errors.push({ node, message: `syntax error near "${excerpt}"` });
      return;
    }
    if (!node.hasError) return;
    for (const child of node.children) visit(child);
  };
  visit(root);
  return errors;
}
