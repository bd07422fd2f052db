/**
 * Small, pure helpers over tree-sitter-bicep syntax trees: literals, object properties, resource,
 * parameter, output and variable declarations, decorators, loops and calls. The checks read the
 * templates only through these, never through regular expressions over the text.
 */
import type { Node } from "web-tree-sitter";

const COMMENT_TYPES = new Set(["comment", "diagnostic_comment"]);

/** Named children without comments (tree-sitter lets comments appear anywhere). */
export function children(node: Node): Node[] {
  return node.namedChildren.filter((child) => !COMMENT_TYPES.has(child.type));
}

/** The node and all its descendants, depth first. */
export function descendants(node: Node): Node[] {
  const all: Node[] = [];
  const visit = (current: Node): void => {
    all.push(current);
    for (const child of current.namedChildren) visit(child);
  };
  visit(node);
  return all;
}

function isStringLiteralNode(node: Node): boolean {
  // `string` is also the keyword node inside `primitive_type`; that one is anonymous.
  return node.type === "string" && node.isNamed;
}

const ESCAPES: Readonly<Record<string, string>> = {
  "\\'": "'",
  "\\\\": "\\",
  "\\n": "\n",
  "\\r": "\r",
  "\\t": "\t",
  "\\$": "$",
};

/** The value of a string without interpolation, or undefined (not a string, or interpolated). */
export function stringValue(node: Node): string | undefined {
  if (!isStringLiteralNode(node)) return undefined;
  let value = "";
  for (const part of children(node)) {
    if (part.type === "string_content") value += part.text;
    else if (part.type === "escape_sequence") value += ESCAPES[part.text] ?? part.text;
    else return undefined;
  }
  return value;
}

/** The literal text pieces of a string, interpolations left out; undefined if not a string. */
export function stringFragments(node: Node): string[] | undefined {
  if (!isStringLiteralNode(node)) return undefined;
  return children(node)
    .filter((part) => part.type === "string_content" || part.type === "escape_sequence")
    .map((part) => (part.type === "escape_sequence" ? (ESCAPES[part.text] ?? part.text) : part.text));
}

/** Whether the string starts with literal text (before any interpolation). */
export function stringStartsWith(node: Node, prefix: string): boolean {
  if (!isStringLiteralNode(node)) return false;
  const first = children(node)[0];
  return first?.type === "string_content" && first.text.startsWith(prefix);
}

export type Literal = string | number | boolean | null;

/** A literal's value (string without interpolation, number, boolean, null), else undefined. */
export function literalValue(node: Node): Literal | undefined {
  switch (node.type) {
    case "boolean":
      return node.text === "true";
    case "number":
      return Number(node.text);
    case "null":
      return null;
    case "string":
      return stringValue(node);
    default:
      return undefined;
  }
}

export function describeValue(node: Node | undefined): string {
  if (node === undefined) return "absent";
  const text = node.text.replace(/\s+/g, " ");
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The key of an object property as text (identifier or string key), or undefined. */
function propertyKey(property: Node): string | undefined {
  const key = children(property)[0];
  if (key === undefined) return undefined;
  if (key.type === "identifier" || key.type === "compatible_identifier") return key.text.replace(/\?$/, "");
  return stringValue(key);
}

export interface ObjectEntry {
  readonly key: string;
  readonly keyNode: Node;
  readonly value: Node;
}

/** The key/value entries of an object literal (nested resource declarations left out). */
export function objectEntries(object: Node): ObjectEntry[] {
  if (object.type !== "object") return [];
  const entries: ObjectEntry[] = [];
  for (const property of children(object)) {
    if (property.type !== "object_property") continue;
    const parts = children(property);
    const keyNode = parts[0];
    const value = parts[1];
    const key = propertyKey(property);
    if (keyNode === undefined || value === undefined || key === undefined) continue;
    entries.push({ key, keyNode, value });
  }
  return entries;
}

/** The value of `object.key`, or undefined when the node is not an object or has no such key. */
export function property(object: Node | undefined, key: string): Node | undefined {
  if (object === undefined) return undefined;
  return objectEntries(object).find((entry) => entry.key === key)?.value;
}

/** The value at a path of keys, e.g. `['properties', 'siteConfig', 'ftpsState']`. */
export function propertyAt(object: Node | undefined, path: readonly string[]): Node | undefined {
  let current = object;
  for (const key of path) current = property(current, key);
  return current;
}

/** The function name of a call: `guid` for `guid(...)`, `listKeys` for `stg.listKeys()`. */
export function callName(call: Node): string | undefined {
  if (call.type !== "call_expression") return undefined;
  const callee = call.childForFieldName("function");
  if (callee === null) return undefined;
  if (callee.type === "identifier") return callee.text;
  if (callee.type === "member_expression") return callee.childForFieldName("property")?.text;
  return undefined;
}

export function callArguments(call: Node): Node[] {
  const args = call.childForFieldName("arguments");
  return args === null ? [] : children(args);
}

/** `a.b.c` as `['a', 'b', 'c']`; undefined for anything but identifiers joined by dots. */
export function memberPath(node: Node): string[] | undefined {
  if (node.type === "identifier") return [node.text];
  if (node.type !== "member_expression") return undefined;
  const object = node.childForFieldName("object");
  const name = node.childForFieldName("property");
  if (object === null || name === null) return undefined;
  const head = memberPath(object);
  return head === undefined ? undefined : [...head, name.text];
}

export interface Decorator {
  readonly name: string;
  readonly node: Node;
  readonly args: Node[];
}

/** The decorators written above a top-level declaration (comments in between are skipped). */
export function decoratorsOf(declaration: Node): Decorator[] {
  let previous = declaration.previousNamedSibling;
  while (previous !== null && COMMENT_TYPES.has(previous.type)) previous = previous.previousNamedSibling;
  if (previous?.type !== "decorators") return [];
  return children(previous).flatMap((decorator) => {
    const call = children(decorator).find((part) => part.type === "call_expression");
    const name = call === undefined ? undefined : callName(call);
    return call === undefined || name === undefined
      ? []
      : [{ name, node: decorator, args: callArguments(call) }];
  });
}

/** The declared name of a param, var, output, resource or module. */
export function declarationName(declaration: Node): string | undefined {
  return children(declaration).find((part) => part.type === "identifier")?.text;
}

export interface ParameterDeclaration {
  readonly name: string;
  readonly node: Node;
  readonly typeNode: Node | undefined;
  readonly defaultValue: Node | undefined;
  readonly decorators: Decorator[];
}

export function parameterDeclarations(root: Node): ParameterDeclaration[] {
  return children(root)
    .filter((node) => node.type === "parameter_declaration")
    .map((node) => {
      const parts = children(node);
      return {
        name: declarationName(node) ?? "",
        node,
        typeNode: parts.find((part) => part.type === "type"),
        // param <identifier> <type> = <expression>: the default is whatever follows the type.
        defaultValue: node.children.some((part) => part.type === "=") ? parts[2] : undefined,
        decorators: decoratorsOf(node),
      };
    });
}

export interface OutputDeclaration {
  readonly name: string;
  readonly node: Node;
  readonly value: Node | undefined;
  readonly decorators: Decorator[];
}

export function outputDeclarations(root: Node): OutputDeclaration[] {
  return children(root)
    .filter((node) => node.type === "output_declaration")
    .map((node) => ({
      name: declarationName(node) ?? "",
      node,
      value: children(node)[2],
      decorators: decoratorsOf(node),
    }));
}

/** Top-level `var name = value` declarations, by name. */
export function variables(root: Node): Map<string, Node> {
  const found = new Map<string, Node>();
  for (const node of children(root)) {
    if (node.type !== "variable_declaration") continue;
    const parts = children(node);
    const name = parts[0];
    const value = parts[1];
    if (name !== undefined && value !== undefined) found.set(name.text, value);
  }
  return found;
}

export interface ResourceDeclaration {
  /** The symbolic name, e.g. `account`. */
  readonly symbol: string;
  /** Full type without the API version; nested resources get their parent's type prepended. */
  readonly type: string;
  readonly apiVersion: string | undefined;
  readonly existing: boolean;
  readonly node: Node;
  /** The resource body object (inside `if (...)` or a `for` loop when there is one). */
  readonly body: Node | undefined;
  /** The `[for ...]` node when the resource is declared in a loop. */
  readonly loop: Node | undefined;
}

function resourceBody(value: Node | undefined): { body: Node | undefined; loop: Node | undefined } {
  if (value === undefined) return { body: undefined, loop: undefined };
  if (value.type === "object") return { body: value, loop: undefined };
  if (value.type === "if_statement")
    return { body: children(value).find((part) => part.type === "object"), loop: undefined };
  if (value.type === "for_statement") {
    const inner = value.childForFieldName("body");
    return { body: inner === null ? undefined : resourceBody(inner).body, loop: value };
  }
  return { body: undefined, loop: undefined };
}

function enclosingResource(node: Node): Node | undefined {
  for (let current = node.parent; current !== null; current = current.parent) {
    if (current.type === "resource_declaration") return current;
  }
  return undefined;
}

function declaredType(node: Node): { type: string; apiVersion: string | undefined } {
  const typeNode = children(node).find((part) => part.type === "string");
  const text = typeNode === undefined ? "" : (stringValue(typeNode) ?? "");
  const [type = "", apiVersion] = text.split("@");
  return { type, apiVersion };
}

function fullType(node: Node): string {
  const own = declaredType(node).type;
  const parent = enclosingResource(node);
  return parent === undefined ? own : `${fullType(parent)}/${own}`;
}

/** Every resource declaration in a file, nested ones included. */
export function resourceDeclarations(root: Node): ResourceDeclaration[] {
  return descendants(root)
    .filter((node) => node.type === "resource_declaration")
    .map((node) => {
      const parts = children(node);
      const { body, loop } = resourceBody(parts[parts.length - 1]);
      return {
        symbol: declarationName(node) ?? "",
        type: fullType(node),
        apiVersion: declaredType(node).apiVersion,
        existing: node.children.some((part) => part.type === "existing"),
        node,
        body,
        loop,
      };
    });
}

export interface ModuleDeclaration {
  readonly symbol: string;
  readonly path: string;
  readonly pathNode: Node;
  readonly node: Node;
}

export function moduleDeclarations(root: Node): ModuleDeclaration[] {
  return children(root)
    .filter((node) => node.type === "module_declaration")
    .flatMap((node) => {
      const pathNode = children(node).find((part) => part.type === "string");
      const path = pathNode === undefined ? undefined : stringValue(pathNode);
      return pathNode === undefined || path === undefined
        ? []
        : [{ symbol: declarationName(node) ?? "", path, pathNode, node }];
    });
}

/** The loop variable of `[for x in ...]` or `[for (x, i) in ...]`. */
export function loopVariable(loop: Node): string | undefined {
  const initializer = loop.childForFieldName("initializer");
  if (initializer !== null) return initializer.text;
  const parameters = children(loop).find((part) => part.type === "for_loop_parameters");
  return parameters === undefined ? undefined : children(parameters)[0]?.text;
}

/** The expression a loop iterates over (what follows `in`). */
export function loopIterable(loop: Node): Node | undefined {
  const all = loop.children;
  const inIndex = all.findIndex((part) => part.type === "in");
  return all.slice(inIndex + 1).find((part) => part.isNamed && !COMMENT_TYPES.has(part.type));
}
