/**
 * Reading a request's parts against its route's schemas — path, query, Idempotency-Key, body — with
 * every problem collected, so the caller sees all of them in one 400.
 */
import type { HttpRequest } from "@azure/functions";
import type { z } from "zod";

import { IDEMPOTENCY_HEADER } from "../auth/signing.js";
import { errorMessage } from "../errors.js";
import { fieldErrors, type FieldError } from "./problem.js";

export const MAX_BODY_BYTES = 256 * 1024;

type Schemas = Record<string, z.ZodType>;
export type ValuesOf<P extends Schemas> = { [K in keyof P]: z.output<P[K]> };

export function parseParams<P extends Schemas>(
  request: HttpRequest,
  schemas: P,
  errors: FieldError[],
): ValuesOf<P> {
  return parseEach(schemas, (name) => request.params[name], "/params", errors, false);
}

/** Every query parameter is named by the route; an unknown one is an error, not ignored. */
export function parseQuery<Q extends Schemas>(
  request: HttpRequest,
  schemas: Q,
  errors: FieldError[],
): Partial<ValuesOf<Q>> {
  for (const name of new Set(request.query.keys())) {
    if (!Object.hasOwn(schemas, name)) errors.push({ path: `/query/${name}`, message: "unknown parameter" });
    else if (request.query.getAll(name).length > 1)
      errors.push({ path: `/query/${name}`, message: "given more than once" });
  }
  return parseEach(schemas, (name) => request.query.get(name) ?? undefined, "/query", errors, true);
}

export function readIdempotencyKey(request: HttpRequest, errors: FieldError[]): string {
  const key = request.headers.get(IDEMPOTENCY_HEADER);
  if (key === null || !/^[\x20-\x7E]{1,200}$/.test(key)) {
    errors.push({
      path: "/headers/idempotency-key",
      message: "Idempotency-Key is required: 1-200 printable characters",
    });
    return "";
  }
  return key;
}

export type BodyRead<T = unknown> = { ok: true; value: T } | { ok: false; unsupportedMediaType: string };

/** A route's own body reader (RouteSpec.readBody): problems go into `errors`, as parseBody's do. */
export type BodyReader<T = unknown> = (
  request: HttpRequest,
  raw: Buffer,
  errors: FieldError[],
) => BodyRead<T>;

/**
 * The body as JSON through its schema. An empty body reads as `{}` (so optional-only bodies may be
 * left out); bytes that are not UTF-8 are an error, not replacement characters.
 */
export function parseBody(
  request: HttpRequest,
  raw: Buffer,
  schema: z.ZodType | undefined,
  errors: FieldError[],
): BodyRead {
  if (schema === undefined) {
    if (raw.length > 0) errors.push({ path: "", message: "This route takes no body" });
    return { ok: true, value: undefined };
  }
  if (raw.length === 0) return { ok: true, value: validate(schema, {}, errors) };
  const contentType = request.headers.get("content-type") ?? "";
  if (!isJson(contentType)) return { ok: false, unsupportedMediaType: contentType };
  const json = parseJson(raw, errors);
  return { ok: true, value: json === undefined ? undefined : validate(schema, json, errors) };
}

export function isJson(contentType: string): boolean {
  return /^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType);
}

/** The body as UTF-8 text; undefined (with the problem in `errors`) when it is not UTF-8. */
export function utf8Text(raw: Buffer, errors: FieldError[]): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(raw);
  } catch {
    errors.push({ path: "", message: "The body is not valid UTF-8" });
    return undefined;
  }
}

/** The body as JSON; undefined (with the problem in `errors`) when it is not. */
export function parseJson(raw: Buffer, errors: FieldError[]): unknown {
  const text = utf8Text(raw, errors);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    errors.push({ path: "", message: `The body is not valid JSON: ${errorMessage(error)}` });
    return undefined;
  }
}

export function validate(schema: z.ZodType, value: unknown, errors: FieldError[]): unknown {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  errors.push(...fieldErrors(result.error));
  return undefined;
}

function parseEach<P extends Schemas>(
  schemas: P,
  read: (name: string) => string | undefined,
  prefix: string,
  errors: FieldError[],
  optional: boolean,
): ValuesOf<P> {
  const values: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(schemas)) {
    const given = read(name);
    if (optional && given === undefined) continue;
    const result = schema.safeParse(given);
    if (result.success) values[name] = result.data;
    else
      errors.push(
        ...result.error.issues.map((issue) => ({ path: `${prefix}/${name}`, message: issue.message })),
      );
  }
  return values as ValuesOf<P>;
}
