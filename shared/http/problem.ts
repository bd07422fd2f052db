/** RFC 9457 problem documents: every error a caller gets, with every problem listed. */
import type { HttpResponseInit } from "@azure/functions";
import { z } from "zod";

import { violationSchema, type Violation } from "../domain/model.js";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export const fieldErrorSchema = z
  .object({
    path: z
      .string()
      .meta({ description: "JSON Pointer (RFC 6901) to the offending value; empty for the body" }),
    message: z.string(),
  })
  .meta({ id: "FieldError" });
export type FieldError = z.infer<typeof fieldErrorSchema>;

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z.array(fieldErrorSchema).optional(),
    violations: z.array(violationSchema).optional(),
  })
  .meta({ id: "Problem", description: "RFC 9457 problem details" });
export type Problem = z.infer<typeof problemSchema>;

/** Problem kinds and their stable type URIs; callers may switch on `type`. */
const KINDS = {
  "bad-request": { status: 400, title: "The request is malformed" },
  unauthorized: {
    status: 401,
    title: "The caller is not proven: a missing or wrong key, signature or token",
  },
  forbidden: { status: 403, title: "The caller may not do this" },
  "not-found": { status: 404, title: "No such resource" },
  conflict: { status: 409, title: "The request conflicts with one in progress" },
  "payload-too-large": { status: 413, title: "The body is too large" },
  "unsupported-media-type": { status: 415, title: "The body must be application/json" },
  "idempotency-mismatch": { status: 422, title: "The Idempotency-Key was used with a different request" },
  unprocessable: { status: 422, title: "The request breaks a rule" },
  unavailable: { status: 503, title: "A dependency is unavailable" },
} as const;
export type ProblemKind = keyof typeof KINDS;

function problemDocument(
  kind: ProblemKind,
  detail: string,
  extra: { errors?: FieldError[]; violations?: Violation[]; instance?: string } = {},
): Problem {
  const { status, title } = KINDS[kind];
  return { type: `urn:csp-onboarding:problem:${kind}`, title, status, detail, ...extra };
}

export function problem(
  kind: ProblemKind,
  detail: string,
  extra: {
    errors?: FieldError[];
    violations?: Violation[];
    instance?: string;
    headers?: Record<string, string>;
  } = {},
): HttpResponseInit {
  const { headers, ...rest } = extra;
  const body = problemDocument(kind, detail, rest);
  return {
    status: body.status,
    headers: { "content-type": PROBLEM_CONTENT_TYPE, ...headers },
    body: JSON.stringify(body),
  };
}

/** zod issues as field errors, paths as JSON Pointers. */
export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({ path: toPointer(issue.path), message: issue.message }));
}

function toPointer(path: readonly PropertyKey[]): string {
  return path.map((segment) => `/${String(segment).replaceAll("~", "~0").replaceAll("/", "~1")}`).join("");
}
