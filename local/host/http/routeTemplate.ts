/**
 * Route templates as the Functions host (ASP.NET Core routing) reads them: literal segments,
 * `{name}`, optional `{name?}`, defaults `{name=value}`, catch-all `{*rest}`, inline constraints
 * `{id:int}` / `{code:length(2):alpha}` / `{slug:regex(^[a-z-]+$)}`, and complex segments such as
 * `{name}.{ext}`. Literals match case-insensitively.
 */

export class RouteTemplateError extends Error {
  constructor(template: string, problem: string) {
    super(`Route template '${template}': ${problem}`);
    this.name = "RouteTemplateError";
  }
}

export interface RouteConstraint {
  readonly name: string;
  readonly argument: string | undefined;
  readonly test: (value: string) => boolean;
}

export interface RouteParameter {
  readonly name: string;
  readonly optional: boolean;
  readonly catchAll: boolean;
  readonly defaultValue: string | undefined;
  readonly constraints: readonly RouteConstraint[];
}

type Part =
  | { readonly kind: "literal"; readonly text: string }
  | { readonly kind: "parameter"; readonly parameter: RouteParameter };

interface Segment {
  readonly parts: readonly Part[];
  /** For complex segments: the whole segment as one expression, parameters as groups. */
  readonly pattern: RegExp | undefined;
}

export interface RouteTemplate {
  readonly template: string;
  readonly segments: readonly Segment[];
  readonly parameters: readonly RouteParameter[];
  /** ASP.NET's inbound precedence, one digit per segment; lower sorts first (wins). */
  readonly precedence: readonly number[];
}

export function parseRouteTemplate(template: string): RouteTemplate {
  const fail = (problem: string): never => {
    throw new RouteTemplateError(template, problem);
  };
  const trimmed = template.replace(/^~?\/+/, "").replace(/\/+$/, "");
  const segments = splitSegments(trimmed, fail).map((text) => parseSegment(text, fail));
  const parameters = segments.flatMap((segment) =>
    segment.parts.flatMap((part) => (part.kind === "parameter" ? [part.parameter] : [])),
  );

  const names = new Set<string>();
  for (const parameter of parameters) {
    const key = parameter.name.toLowerCase();
    if (names.has(key)) fail(`the parameter '${parameter.name}' appears more than once`);
    names.add(key);
  }
  segments.forEach((segment, index) => {
    const isLast = index === segments.length - 1;
    for (const part of segment.parts) {
      if (part.kind !== "parameter") continue;
      const { parameter } = part;
      if (parameter.catchAll && (!isLast || segment.parts.length > 1)) {
        fail(`the catch-all parameter '${parameter.name}' must be the whole last segment`);
      }
      if (parameter.optional && segment.parts.length > 1) {
        fail(`the optional parameter '${parameter.name}' must be a whole segment`);
      }
    }
  });
  // Once a segment may be left out, every later segment must be too.
  let mayEndHere = false;
  for (const segment of segments) {
    const omittable = canBeOmitted(segment);
    if (mayEndHere && !omittable) {
      fail("an optional parameter or one with a default must only be followed by such segments");
    }
    mayEndHere ||= omittable;
  }

  return { template, segments, parameters, precedence: segments.map(precedenceDigit) };
}

function splitSegments(text: string, fail: (problem: string) => never): string[] {
  if (text === "") return [];
  const segments: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of text) {
    if (char === "{") depth++;
    if (char === "}") depth--;
    if (char === "/" && depth === 0) {
      if (current === "") fail("a segment is empty ('//')");
      segments.push(current);
      current = "";
      continue;
    }
    current += char;
  }
  segments.push(current);
  return segments;
}

function parseSegment(text: string, fail: (problem: string) => never): Segment {
  const parts: Part[] = [];
  let literal = "";
  let index = 0;
  while (index < text.length) {
    const char = text.charAt(index);
    const next = text.charAt(index + 1);
    if ((char === "{" && next === "{") || (char === "}" && next === "}")) {
      literal += char;
      index += 2;
      continue;
    }
    if (char === "}") fail(`unmatched '}' in '${text}'`);
    if (char !== "{") {
      if (char === "?" || char === "*") fail(`'${char}' is not allowed in a literal ('${text}')`);
      literal += char;
      index++;
      continue;
    }
    const close = findParameterEnd(text, index + 1);
    if (close < 0) fail(`unclosed '{' in '${text}'`);
    if (literal !== "") parts.push({ kind: "literal", text: literal });
    literal = "";
    const previous = parts[parts.length - 1];
    if (previous?.kind === "parameter") {
      fail(`two parameters in '${text}' must be separated by a literal`);
    }
    parts.push({ kind: "parameter", parameter: parseParameter(text.slice(index + 1, close), fail) });
    index = close + 1;
  }
  if (literal !== "") parts.push({ kind: "literal", text: literal });
  return { parts, pattern: parts.length > 1 ? complexPattern(parts) : undefined };
}

/** The `}` closing a parameter, skipping parentheses (constraint arguments may hold braces). */
function findParameterEnd(text: string, from: number): number {
  let parentheses = 0;
  for (let index = from; index < text.length; index++) {
    const char = text[index];
    if (char === "(") parentheses++;
    else if (char === ")") parentheses = Math.max(0, parentheses - 1);
    else if (char === "}" && parentheses === 0) {
      if (text[index + 1] === "}") {
        index++;
        continue;
      }
      return index;
    }
  }
  return -1;
}

function parseParameter(body: string, fail: (problem: string) => never): RouteParameter {
  let rest = body;
  let catchAll = false;
  if (rest.startsWith("**")) {
    catchAll = true;
    rest = rest.slice(2);
  } else if (rest.startsWith("*")) {
    catchAll = true;
    rest = rest.slice(1);
  }
  const name = /^[^:=?{}/*]+/.exec(rest)?.[0] ?? "";
  if (name === "") fail(`a parameter has no name ('{${body}}')`);
  rest = rest.slice(name.length);

  const constraints: RouteConstraint[] = [];
  while (rest.startsWith(":")) {
    const constraintName = /^:([A-Za-z]+)/.exec(rest)?.[1];
    if (constraintName === undefined) return fail(`a constraint has no name ('{${body}}')`);
    rest = rest.slice(constraintName.length + 1);
    let argument: string | undefined;
    if (rest.startsWith("(")) {
      const close = matchingParenthesis(rest);
      if (close < 0) fail(`unclosed '(' in '{${body}}'`);
      argument = rest.slice(1, close);
      rest = rest.slice(close + 1);
    }
    constraints.push(buildConstraint(constraintName, argument, fail));
  }

  let optional = false;
  let defaultValue: string | undefined;
  if (rest.startsWith("=")) {
    defaultValue = rest.slice(1);
    rest = "";
  } else if (rest === "?") {
    optional = true;
    rest = "";
  }
  if (rest !== "") fail(`cannot read '{${body}}'`);
  if (catchAll && optional) fail(`the catch-all parameter '${name}' cannot be optional`);
  return { name, optional, catchAll, defaultValue, constraints };
}

function matchingParenthesis(text: string): number {
  let depth = 0;
  for (let index = 0; index < text.length; index++) {
    if (text[index] === "(") depth++;
    else if (text[index] === ")" && --depth === 0) return index;
  }
  return -1;
}

const INT32 = { min: -(2n ** 31n), max: 2n ** 31n - 1n };
const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
const INTEGER = /^\s*[+-]?\d+\s*$/;
const NUMBER = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;
const GUID_HEX = "[0-9a-fA-F]";
const GUID = new RegExp(
  `^(${GUID_HEX}{32}|${GUID_HEX}{8}-${GUID_HEX}{4}-${GUID_HEX}{4}-${GUID_HEX}{4}-${GUID_HEX}{12}|\\{${GUID_HEX}{8}-${GUID_HEX}{4}-${GUID_HEX}{4}-${GUID_HEX}{4}-${GUID_HEX}{12}\\}|\\(${GUID_HEX}{8}-${GUID_HEX}{4}-${GUID_HEX}{4}-${GUID_HEX}{4}-${GUID_HEX}{12}\\))$`,
);

function inRange(value: string, range: { min: bigint; max: bigint }): boolean {
  if (!INTEGER.test(value)) return false;
  const parsed = BigInt(value.trim());
  return parsed >= range.min && parsed <= range.max;
}

/** The ASP.NET Core inline constraints. An unknown name is an error, as it is there. */
function buildConstraint(
  name: string,
  argument: string | undefined,
  fail: (problem: string) => never,
): RouteConstraint {
  const numbers = (count: number): bigint[] => {
    const values = (argument ?? "").split(",").map((text) => text.trim());
    if (values.length !== count || !values.every((text) => /^[+-]?\d+$/.test(text))) {
      fail(`the constraint '${name}' needs ${count} integer argument(s), got '${argument ?? ""}'`);
    }
    return values.map((text) => BigInt(text));
  };
  const make = (test: (value: string) => boolean): RouteConstraint => ({ name, argument, test });
  // ASP.NET counts UTF-16 code units (string.Length).
  const length = (value: string): number => value.length;
  switch (name.toLowerCase()) {
    case "int":
      return make((value) => inRange(value, INT32));
    case "long":
      return make((value) => inRange(value, INT64));
    case "bool":
      return make((value) => /^\s*(true|false)\s*$/i.test(value));
    case "guid":
      return make((value) => GUID.test(value));
    case "alpha":
      return make((value) => /^[a-z]*$/i.test(value));
    case "decimal":
    case "double":
    case "float":
      return make((value) => NUMBER.test(value));
    case "datetime":
      return make((value) => !Number.isNaN(Date.parse(value)));
    case "required":
      return make((value) => value !== "");
    case "minlength": {
      const [min = 0n] = numbers(1);
      return make((value) => BigInt(length(value)) >= min);
    }
    case "maxlength": {
      const [max = 0n] = numbers(1);
      return make((value) => BigInt(length(value)) <= max);
    }
    case "length": {
      const values = (argument ?? "").includes(",") ? numbers(2) : numbers(1);
      const [min = 0n, max = min] = values;
      return make((value) => BigInt(length(value)) >= min && BigInt(length(value)) <= max);
    }
    case "min": {
      const [min = 0n] = numbers(1);
      return make((value) => inRange(value, INT64) && BigInt(value.trim()) >= min);
    }
    case "max": {
      const [max = 0n] = numbers(1);
      return make((value) => inRange(value, INT64) && BigInt(value.trim()) <= max);
    }
    case "range": {
      const [min = 0n, max = 0n] = numbers(2);
      return make(
        (value) => inRange(value, INT64) && BigInt(value.trim()) >= min && BigInt(value.trim()) <= max,
      );
    }
    case "regex": {
      if (argument === undefined) fail("the constraint 'regex' needs a pattern");
      let expression: RegExp;
      try {
        // ASP.NET matches case-insensitively and unanchored (IsMatch).
        expression = new RegExp(argument, "i");
      } catch (error) {
        return fail(`the regex '${argument}' is invalid: ${(error as Error).message}`);
      }
      return make((value) => expression.test(value));
    }
    case "file":
      return make((value) => /\.[^/]*$/.test(value));
    case "nonfile":
      return make((value) => !/\.[^/]*$/.test(value));
    default:
      return fail(`unknown constraint '${name}'`);
  }
}

function complexPattern(parts: readonly Part[]): RegExp {
  const source = parts
    .map((part) => (part.kind === "literal" ? part.text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") : "(.+?)"))
    .join("");
  return new RegExp(`^${source}$`, "i");
}

function canBeOmitted(segment: Segment): boolean {
  const [only, ...others] = segment.parts;
  return (
    others.length === 0 &&
    only?.kind === "parameter" &&
    (only.parameter.optional || only.parameter.defaultValue !== undefined || only.parameter.catchAll)
  );
}

/** RoutePrecedence.ComputeInbound: literal 1, complex 2, constrained 2, plain 3, catch-all 5 (4 constrained). */
function precedenceDigit(segment: Segment): number {
  const [only, ...others] = segment.parts;
  if (only === undefined) return 1;
  if (others.length > 0) return 2;
  if (only.kind === "literal") return 1;
  const digit = only.parameter.catchAll ? 5 : 3;
  return only.parameter.constraints.length > 0 ? digit - 1 : digit;
}

/** Negative when `a` should be tried before `b`. */
export function comparePrecedence(a: RouteTemplate, b: RouteTemplate): number {
  const length = Math.max(a.precedence.length, b.precedence.length);
  for (let index = 0; index < length; index++) {
    const difference = (a.precedence[index] ?? 0) - (b.precedence[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return a.template.localeCompare(b.template);
}

/** Route values when the decoded path segments match the template, else undefined. */
export function matchRoute(
  route: RouteTemplate,
  pathSegments: readonly string[],
): Record<string, string> | undefined {
  const values: Record<string, string> = {};
  const passes = (parameter: RouteParameter, value: string): boolean =>
    parameter.constraints.every((constraint) => constraint.test(value));

  for (let index = 0; index < route.segments.length; index++) {
    const segment = route.segments[index];
    if (segment === undefined) return undefined;
    const [only] = segment.parts;
    if (only?.kind === "parameter" && only.parameter.catchAll) {
      const rest = pathSegments.slice(index).join("/");
      if (rest !== "" && !passes(only.parameter, rest)) return undefined;
      if (rest !== "") values[only.parameter.name] = rest;
      return values;
    }
    const text = pathSegments[index];
    if (text === undefined) {
      // Path ended: the rest of the template must be omittable (checked at parse time).
      if (only?.kind !== "parameter") return undefined;
      const { parameter } = only;
      if (parameter.defaultValue !== undefined) values[parameter.name] = parameter.defaultValue;
      else if (!parameter.optional) return undefined;
      continue;
    }
    if (!matchSegment(segment, text, values, passes)) return undefined;
  }
  return pathSegments.length > route.segments.length ? undefined : values;
}

function matchSegment(
  segment: Segment,
  text: string,
  values: Record<string, string>,
  passes: (parameter: RouteParameter, value: string) => boolean,
): boolean {
  const [only] = segment.parts;
  if (only === undefined) return text === "";
  if (segment.pattern === undefined) {
    if (only.kind === "literal") return only.text.toLowerCase() === text.toLowerCase();
    if (text === "" || !passes(only.parameter, text)) return false;
    values[only.parameter.name] = text;
    return true;
  }
  const match = segment.pattern.exec(text);
  if (match === null) return false;
  let group = 1;
  for (const part of segment.parts) {
    if (part.kind !== "parameter") continue;
    const value = match[group++] ?? "";
    if (!passes(part.parameter, value)) return false;
    values[part.parameter.name] = value;
  }
  return true;
}

/**
 * Splits a URL path into decoded segments. `%2F` stays encoded, as ASP.NET Core leaves it, so a
 * value cannot smuggle a path separator.
 */
export function decodePathSegments(pathname: string): string[] {
  const trimmed = pathname.replace(/^\/+/, "").replace(/\/+$/, "");
  if (trimmed === "") return [];
  return trimmed.split("/").map((segment) =>
    segment
      .split(/%2F/i)
      .map((piece) => {
        try {
          return decodeURIComponent(piece);
        } catch {
          return piece;
        }
      })
      .join("%2F"),
  );
}
