/**
 * Reading a portal's request: the signature first (nothing is parsed before it passes), then the
 * path, the Idempotency-Key and the body against their schemas, with every problem listed at once.
 */
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import type { z } from "zod";

import { errorMessage } from "../errors.js";
import { fieldErrors, problem, type FieldError } from "./problem.js";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhookSignature } from "./signature.js";

export const MAX_BODY_BYTES = 256 * 1024;
export const IDEMPOTENCY_HEADER = "idempotency-key";

export type Parsed<T> = { ok: true; value: T } | { ok: false; response: HttpResponseInit };

type ParamSchemas = Record<string, z.ZodType>;
type ParamValues<P extends ParamSchemas> = { [K in keyof P]: z.output<P[K]> };

export interface WebhookSpec<B extends z.ZodType | undefined, P extends ParamSchemas> {
  secrets: readonly string[];
  now: Date;
  body?: B;
  params: P;
  /** Whether an Idempotency-Key is required (every POST). */
  idempotent: boolean;
}

export interface Webhook<B, P> {
  raw: Buffer;
  body: B;
  params: P;
  idempotencyKey: string;
}

/** A signed request read and validated whole: 401, 413, 415 or one 400 listing every problem. */
export async function readWebhook<B extends z.ZodType | undefined, P extends ParamSchemas>(
  request: HttpRequest,
  spec: WebhookSpec<B, P>,
): Promise<Parsed<Webhook<B extends z.ZodType ? z.output<B> : undefined, ParamValues<P>>>> {
  const raw = Buffer.from(await request.arrayBuffer());
  if (raw.length > MAX_BODY_BYTES) {
    return {
      ok: false,
      response: problem("payload-too-large", `The body may be at most ${MAX_BODY_BYTES} bytes`),
    };
  }
  const check = verifyWebhookSignature({
    timestamp: request.headers.get(TIMESTAMP_HEADER),
    signature: request.headers.get(SIGNATURE_HEADER),
    rawBody: raw,
    secrets: spec.secrets,
    now: spec.now,
  });
  if (!check.ok) return { ok: false, response: problem("unauthorized", check.reason) };

  const errors: FieldError[] = [];
  const params = parseParams(request, spec.params, errors);
  const idempotencyKey = spec.idempotent ? readIdempotencyKey(request, errors) : "";
  let body: unknown = undefined;
  if (spec.body !== undefined) {
    const contentType = request.headers.get("content-type") ?? "";
    if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType)) {
      return { ok: false, response: problem("unsupported-media-type", `Content-Type was '${contentType}'`) };
    }
    body = parseJson(raw, spec.body, errors);
  }
  if (errors.length > 0) {
    return { ok: false, response: problem("bad-request", "The request is invalid", { errors }) };
  }
  return {
    ok: true,
    value: { raw, body: body as B extends z.ZodType ? z.output<B> : undefined, params, idempotencyKey },
  };
}

/** Validates route parameters (ids in the path); a GET's only input. */
export function readParams<P extends ParamSchemas>(request: HttpRequest, schemas: P): Parsed<ParamValues<P>> {
  const errors: FieldError[] = [];
  const params = parseParams(request, schemas, errors);
  if (errors.length > 0)
    return { ok: false, response: problem("bad-request", "The path is invalid", { errors }) };
  return { ok: true, value: params };
}

function parseParams<P extends ParamSchemas>(
  request: HttpRequest,
  schemas: P,
  errors: FieldError[],
): ParamValues<P> {
  const values: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(schemas)) {
    const result = schema.safeParse(request.params[name]);
    if (result.success) values[name] = result.data;
    else
      errors.push(
        ...result.error.issues.map((issue) => ({ path: `/params/${name}`, message: issue.message })),
      );
  }
  return values as ParamValues<P>;
}

function readIdempotencyKey(request: HttpRequest, errors: FieldError[]): string {
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

function parseJson(raw: Buffer, schema: z.ZodType, errors: FieldError[]): unknown {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString("utf8"));
  } catch (error) {
    errors.push({ path: "", message: `The body is not valid JSON: ${errorMessage(error)}` });
    return undefined;
  }
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  errors.push(...fieldErrors(result.error));
  return undefined;
}
