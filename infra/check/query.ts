/** Project-wide questions the checks ask: which resources of a type exist, what an expression means. */
import type { Node } from "web-tree-sitter";

import type { BicepFile, InfraProject } from "./project.js";
import {
  callArguments,
  callName,
  children,
  memberPath,
  property,
  resourceDeclarations,
  stringFragments,
  variables,
} from "./syntax.js";
import type { ResourceDeclaration } from "./syntax.js";

export interface LocatedResource {
  readonly file: BicepFile;
  readonly resource: ResourceDeclaration;
}

/** Every resource the templates declare (not `existing` references), across all files. */
export function declaredResources(project: InfraProject, type?: string): LocatedResource[] {
  return project.files.flatMap((file) =>
    resourceDeclarations(file.root)
      .filter((resource) => !resource.existing && (type === undefined || resource.type === type))
      .map((resource) => ({ file, resource })),
  );
}

/** A resource declaration (existing or not) in the same file, by symbolic name. */
export function resourceBySymbol(file: BicepFile, symbol: string): ResourceDeclaration | undefined {
  return resourceDeclarations(file.root).find((resource) => resource.symbol === symbol);
}

/**
 * Follows identifiers and `a.b.c` member paths through the file's variables to the expression
 * they stand for; anything else (a parameter, a call) comes back as it is.
 */
export function followVariables(file: BicepFile, node: Node, depth = 0): Node {
  if (depth > 10) return node;
  const path = memberPath(node);
  if (path === undefined) return node;
  const [head, ...rest] = path;
  const start = head === undefined ? undefined : variables(file.root).get(head);
  if (start === undefined) return node;
  let current: Node | undefined = followVariables(file, start, depth + 1);
  for (const key of rest) {
    current = property(current, key);
    if (current === undefined) return node;
    current = followVariables(file, current, depth + 1);
  }
  return current;
}

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** The GUIDs an expression evaluates to or embeds, following variables and call arguments. */
export function guidsIn(file: BicepFile, node: Node, depth = 0): Set<string> {
  const found = new Set<string>();
  if (depth > 10) return found;
  const resolved = followVariables(file, node);
  const fragments = stringFragments(resolved) ?? [];
  for (const match of fragments.join(" ").matchAll(GUID)) found.add(match[0].toLowerCase());
  const nested =
    resolved.type === "call_expression"
      ? callArguments(resolved)
      : resolved.type === "string"
        ? children(resolved)
            .filter((part) => part.type === "interpolation")
            .flatMap((part) => children(part))
        : [];
  for (const part of nested) {
    for (const guid of guidsIn(file, part, depth + 1)) found.add(guid);
  }
  return found;
}

/** The literal text of a string expression (through variables), interpolations left out. */
export function literalText(file: BicepFile, node: Node): string | undefined {
  return stringFragments(followVariables(file, node))?.join("");
}

/** Whether an expression is a call to `name` (through variables), e.g. `loadJsonContent`. */
export function isCallTo(node: Node, name: string): boolean {
  return node.type === "call_expression" && callName(node) === name;
}
