/**
 * The one way an HTTP function is made: from its route table entry, in this order — body size, who
 * calls (signature or token; 401 before anything is parsed), whether that kind of caller may use the
 * route (403 naming the rule), then path, query, Idempotency-Key and body (one 400 listing every
 * problem) — and only then the handler. Dependencies that fail answer 503. No handler can skip a step.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import type { z } from "zod";

import { authenticate } from "../auth/callers.js";
import { callerKindViolation, type Caller } from "../domain/index.js";
import { answeringUnavailable, type HttpFunction } from "../pipeline/failures.js";
import { runtime, type Runtime } from "../pipeline/runtime.js";
import {
  type BodyReader,
  MAX_BODY_BYTES,
  parseBody,
  parseParams,
  parseQuery,
  readIdempotencyKey,
  type ValuesOf,
} from "./input.js";
import { problem, type FieldError } from "./problem.js";
import type { RouteSpec } from "./routes.js";

type CallerOf<S extends RouteSpec> = S["callers"] extends readonly (infer K)[]
  ? Extract<Caller, { kind: K }>
  : undefined;
type BodyOf<S extends RouteSpec> = S extends { readBody: BodyReader<infer T> }
  ? T
  : S["body"] extends z.ZodType
    ? z.output<S["body"]>
    : undefined;
type QueryOf<S extends RouteSpec> =
  S["query"] extends Record<string, { schema: z.ZodType }>
    ? { [K in keyof S["query"]]?: z.output<S["query"][K]["schema"]> }
    : Record<string, never>;

export interface RouteInput<S extends RouteSpec> {
  caller: CallerOf<S>;
  params: ValuesOf<S["params"]>;
  query: QueryOf<S>;
  body: BodyOf<S>;
  /** The body's exact bytes (what the idempotency hash covers). */
  raw: Buffer;
  /** Empty unless the route is idempotent. */
  idempotencyKey: string;
  request: HttpRequest;
  context: InvocationContext;
  rt: Runtime;
}

export type RouteHandler<S extends RouteSpec> = (input: RouteInput<S>) => Promise<HttpResponseInit>;

export type RouteFunction<S extends RouteSpec = RouteSpec> = HttpFunction & { readonly spec: S };

/** A route's HTTP handler: every check of its table entry, then `handle`. */
export function defineRoute<S extends RouteSpec>(spec: S, handle: RouteHandler<S>): RouteFunction<S> {
  const checked = answeringUnavailable(async (request, context) => {
    const rt = runtime();
    const raw = Buffer.from(await request.arrayBuffer());
    const maxBodyBytes = spec.maxBodyBytes ?? MAX_BODY_BYTES;
    if (raw.length > maxBodyBytes) {
      return problem("payload-too-large", `The body may be at most ${maxBodyBytes} bytes`);
    }
    let caller: Caller | undefined;
    if (spec.callers !== "public") {
      const proven = await authenticate(request, raw, {
        keyring: rt.keyring,
        tokens: rt.tokens,
        now: rt.now(),
      });
      if (!proven.ok) return problem("unauthorized", proven.reason);
      const refused = callerKindViolation(spec.callers, proven.caller);
      if (refused !== null) return problem("forbidden", refused.message, { violations: [refused] });
      caller = proven.caller;
    }
    const errors: FieldError[] = [];
    const params = parseParams(request, spec.params, errors);
    const query = parseQuery(request, spec.query === undefined ? {} : querySchemas(spec.query), errors);
    const idempotencyKey = spec.idempotent ? readIdempotencyKey(request, errors) : "";
    const body =
      spec.readBody === undefined
        ? parseBody(request, raw, spec.body, errors)
        : spec.readBody(request, raw, errors);
    if (!body.ok) {
      return problem("unsupported-media-type", `Content-Type was '${body.unsupportedMediaType}'`);
    }
    if (errors.length > 0) return problem("bad-request", "The request is invalid", { errors });
    return handle({
      caller: caller as CallerOf<S>,
      params,
      query: query as QueryOf<S>,
      body: body.value as BodyOf<S>,
      raw,
      idempotencyKey,
      request,
      context,
      rt,
    });
  });
  return Object.assign(checked, { spec });
}

/** Registers a route's handler with the Functions host, from its table entry. */
export function registerRoute(spec: RouteSpec, handler: RouteFunction): void {
  if (handler.spec !== spec) throw new Error(`${spec.name} is registered with another route's handler`);
  // The service proves its callers itself (above), so the host's function keys are not used.
  app.http(spec.name, { methods: [spec.method], route: spec.route, authLevel: "anonymous", handler });
}

function querySchemas(query: NonNullable<RouteSpec["query"]>): Record<string, z.ZodType> {
  return Object.fromEntries(Object.entries(query).map(([name, { schema }]) => [name, schema]));
}
