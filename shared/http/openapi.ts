/** The OpenAPI 3.1 document, generated from the route table and the same zod schemas the handlers use. */
import { z } from "zod";

import { problemSchema } from "./problem.js";
import { ROUTES, type RouteSpec } from "./routes.js";

const COMPONENT = "#/components/schemas/";

/** A schema as a reference when it has a component id, else inline. */
function schemaOf(schema: z.ZodType): Record<string, unknown> {
  const id = z.globalRegistry.get(schema)?.id;
  if (id !== undefined) return { $ref: `${COMPONENT}${id}` };
  return stripMeta(z.toJSONSchema(schema, { target: "draft-2020-12", unrepresentable: "any", io: "input" }));
}

function stripMeta(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

function problemResponse(description: string) {
  return { description, content: { "application/problem+json": { schema: schemaOf(problemSchema) } } };
}

function operation(spec: RouteSpec): Record<string, unknown> {
  const parameters: Record<string, unknown>[] = Object.entries(spec.params).map(([name, schema]) => ({
    name,
    in: "path",
    required: true,
    schema: schemaOf(schema),
  }));
  for (const [name, { schema, description }] of Object.entries(spec.query ?? {})) {
    parameters.push({ name, in: "query", required: false, description, schema: schemaOf(schema) });
  }
  if (spec.signed) {
    parameters.push(
      {
        name: "X-Timestamp",
        in: "header",
        required: true,
        description: "Unix seconds",
        schema: { type: "string" },
      },
      {
        name: "X-Signature",
        in: "header",
        required: true,
        description: 'sha256=<hex HMAC-SHA256 of "<X-Timestamp>.<raw body>">',
        schema: { type: "string", pattern: "^sha256=[0-9a-fA-F]{64}$" },
      },
    );
  }
  if (spec.idempotent) {
    parameters.push({
      name: "Idempotency-Key",
      in: "header",
      required: true,
      description: "Same key and body replays the first answer; a different body is 422; in flight is 409",
      schema: { type: "string", minLength: 1, maxLength: 200 },
    });
  }
  const responses: Record<string, unknown> = {};
  for (const [status, { description, schema }] of Object.entries(spec.responses)) {
    responses[status] = { description, content: { "application/json": { schema: schemaOf(schema) } } };
  }
  if (spec.body !== undefined) responses["400"] = problemResponse("Invalid input: every problem listed");
  if (spec.signed) responses["401"] = problemResponse("Missing or wrong signature, or a stale timestamp");
  if (spec.idempotent) {
    responses["403"] = problemResponse("The actor's role may not do this (ROLE-1, ROLE-2)");
    responses["409"] = problemResponse("The same Idempotency-Key is still being taken");
    responses["422"] = problemResponse("The Idempotency-Key was used with a different body");
  }
  if (Object.keys(spec.params).length > 0 && spec.method === "GET")
    responses["404"] = problemResponse("Not found");
  return {
    operationId: spec.name,
    summary: spec.summary,
    ...(spec.admin === true ? { security: [{ functionKey: [] }] } : {}),
    parameters,
    ...(spec.body === undefined
      ? {}
      : {
          requestBody: { required: true, content: { "application/json": { schema: schemaOf(spec.body) } } },
        }),
    responses,
  };
}

export function buildOpenApiDocument(serverUrl = "/api"): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of Object.values(ROUTES) as RouteSpec[]) {
    const path = `/${spec.route}`;
    paths[path] = { ...paths[path], [spec.method.toLowerCase()]: operation(spec) };
  }
  const components = z.toJSONSchema(z.globalRegistry, {
    target: "draft-2020-12",
    unrepresentable: "any",
    io: "input",
    uri: (id) => `${COMPONENT}${id}`,
  });
  return {
    openapi: "3.1.0",
    info: {
      title: "CSP onboarding service",
      version: "1.0.0",
      description:
        "Moves customers who bought Microsoft subscriptions elsewhere into a CSP partner's care, by Partner Center's rules. Rule ids refer to RULES.md.",
    },
    servers: [{ url: serverUrl }],
    paths,
    components: {
      schemas: Object.fromEntries(
        Object.entries(components.schemas).map(([id, schema]) => [
          id,
          stripMeta(schema as Record<string, unknown>),
        ]),
      ),
      securitySchemes: { functionKey: { type: "apiKey", in: "header", name: "x-functions-key" } },
    },
  };
}
