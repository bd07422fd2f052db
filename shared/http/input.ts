/**
 * Reading a portal's request: signature first (nothing is parsed before it passes), then the body
 * and path against their zod schemas, every problem listed.
 */
import { createHash } from "node:crypto";

import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import type { z } from "zod";

import { fieldErrors, problem, type FieldError } from "./problem.js";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhookSignature } from "./signature.js";

export const MAX_BODY_BYTES = 256 * 1024;
export const IDEMPOTENCY_HEADER = "idempotency-key";

export type Parsed<T> = { ok: true; value: T } | { ok: false; response: HttpResponseInit };

export interface SignedBody {
  raw: Buffer;
}

/** Reads the raw body and checks its signature; a missing or wrong signature is 401. */
export async function readSignedBody(
  request: HttpRequest,
  secrets: readonly string[],
  now: Date,
): Promise<Parsed<SignedBody>> {
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
    secrets,
    now,
  });
  if (!check.ok) return { ok: false, response: problem("unauthorized", check.reason) };
  return { ok: true, value: { raw } };
}

/** Parses a signed body as JSON and validates it, listing every schema problem. */
export function parseJsonBody<S extends z.ZodType>(
  request: HttpRequest,
  raw: Buffer,
  schema: S,
): Parsed<z.output<S>> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType)) {
    return { ok: false, response: problem("unsupported-media-type", `Content-Type was '${contentType}'`) };
  }
  let json: unknown;
  try {
    json = JSON.parse(raw.toString("utf8"));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return invalid([{ path: "", message: `The body is not valid JSON: ${reason}` }]);
  }
  const result = schema.safeParse(json);
  return result.success ? { ok: true, value: result.data } : invalid(fieldErrors(result.error));
}

/** Validates route parameters (ids in the path) with their schemas, all at once. */
export function parseParams<T extends Record<string, z.ZodType>>(
  request: HttpRequest,
  schemas: T,
): Parsed<{ [K in keyof T]: z.output<T[K]> }> {
  const errors: FieldError[] = [];
  const values: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(schemas)) {
    const result = schema.safeParse(request.params[name]);
    if (result.success) values[name] = result.data;
    else
      errors.push(
        ...result.error.issues.map((issue) => ({ path: `/params/${name}`, message: issue.message })),
      );
  }
  if (errors.length > 0)
    return { ok: false, response: problem("bad-request", "The path is invalid", { errors }) };
  return { ok: true, value: values as { [K in keyof T]: z.output<T[K]> } };
}

/** The Idempotency-Key header: required on every POST, 1–200 printable characters. */
export function readIdempotencyKey(request: HttpRequest): Parsed<string> {
  const key = request.headers.get(IDEMPOTENCY_HEADER);
  if (key === null || !/^[\x20-\x7E]{1,200}$/.test(key)) {
    return invalid([
      {
        path: "/headers/idempotency-key",
        message: "Idempotency-Key is required: 1-200 printable characters",
      },
    ]);
  }
  return { ok: true, value: key };
}

/** What makes two requests "the same" for idempotency: method, route and exact body bytes. */
export function requestHash(method: string, route: string, raw: Buffer): string {
  return createHash("sha256").update(`${method.toUpperCase()} ${route}\n`).update(raw).digest("base64url");
}

function invalid(errors: FieldError[]): { ok: false; response: HttpResponseInit } {
  return { ok: false, response: problem("bad-request", "The request body is invalid", { errors }) };
}
