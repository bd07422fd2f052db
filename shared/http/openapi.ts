/** The OpenAPI 3.1 document, generated from the route table and the same zod schemas the handlers use. */
import { z } from "zod";

import { EVENT_TYPES, eventEnvelopeSchema } from "../events/catalogue.js";
import { problemSchema } from "./problem.js";
import type { CallerKind } from "../domain/index.js";
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
  const signed = spec.callers !== "public" && spec.callers.some((kind) => kind !== "customer");
  if (signed) {
    parameters.push(
      {
        name: "X-Timestamp",
        in: "header",
        required: false,
        description:
          "Unix seconds; required with X-Key-Id. More than 5 minutes off the service's clock is refused",
        schema: { type: "string", pattern: "^[0-9]{1,12}$" },
      },
      {
        name: "X-Signature",
        in: "header",
        required: false,
        description: `Required with X-Key-Id: sha256=<hex HMAC-SHA256 under the key's secret of "<X-Timestamp>\\n<METHOD>\\n<path and query>\\n<Idempotency-Key or empty>\\n<raw body>">`,
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
    responses[status] =
      schema === undefined
        ? { description }
        : {
            description,
            content: {
              "application/json": { schema: schemaOf(schema) },
              ...(status === "200" ? csvContent(spec.csv?.response) : {}),
            },
          };
  }
  const problems: Record<string, string> = {};
  if (spec.callers !== "public") {
    problems["400"] = "Invalid input: every problem listed";
    problems["401"] =
      "The caller is not proven: unknown or revoked key, wrong signature, stale timestamp or bad token";
    problems["403"] =
      "This caller may not do this: the violation names the rule (TEN-1…TEN-6, ROLE-1, ROLE-2)";
    problems["503"] = "Storage, messaging or the token issuer is unavailable; retry after Retry-After";
  }
  if (spec.body !== undefined) {
    problems["413"] = "The body is too large";
    problems["415"] = "The body must be application/json";
  }
  if (spec.idempotent) {
    problems["409"] = "The same Idempotency-Key is still being taken";
    problems["422"] = "The Idempotency-Key was used with a different request";
  }
  Object.assign(problems, spec.problems);
  if (Object.keys(spec.params).length > 0) problems["404"] = "Not found, or not the caller's to see (TEN-2)";
  for (const [status, description] of Object.entries(problems))
    responses[status] ??= problemResponse(description);
  return {
    operationId: spec.name,
    summary: spec.summary,
    tags: [tagOf(spec)],
    security: securityOf(spec),
    parameters,
    ...(spec.body === undefined
      ? {}
      : {
          requestBody: {
            required: false,
            content: {
              "application/json": { schema: schemaOf(spec.body) },
              ...csvContent(spec.csv?.request),
            },
          },
        }),
    responses,
  };
}

/** A route's CSV form, as a text/csv content entry. */
function csvContent(description: string | undefined): Record<string, unknown> {
  return description === undefined ? {} : { "text/csv": { schema: { type: "string", description } } };
}

const SCHEMES: Readonly<Record<CallerKind, string>> = {
  operator: "operatorKey",
  partner: "partnerKey",
  customer: "customerToken",
  "partner-center": "partnerCenterSignature",
};

function securityOf(spec: RouteSpec): Record<string, string[]>[] {
  return spec.callers === "public" ? [] : spec.callers.map((kind) => ({ [SCHEMES[kind]]: [] }));
}

const TAGS = {
  reference: "Reference data: partners, offers, customers and their subscriptions",
  relationships: "Reseller relationships and the customer's answer",
  migrations: "Moving subscriptions into CSP",
  operations: "The operator's routes, health and this document",
  events: "Events this service POSTs to a partner's webhook subscriptions",
} as const;

function tagOf(spec: RouteSpec): keyof typeof TAGS {
  if (spec.route.startsWith("admin/") || spec.callers === "public") return "operations";
  if (spec.route.includes("migration")) return "migrations";
  if (spec.route.includes("relationship")) return "relationships";
  return "reference";
}

const SIGNING =
  "Send X-Key-Id (this key's id), X-Timestamp (unix seconds) and X-Signature: sha256=<hex HMAC-SHA256 under the key's secret of \"<X-Timestamp>\\n<METHOD>\\n<path and query>\\n<Idempotency-Key or empty>\\n<raw body>\">.";

/**
 * The events pushed to partners' subscriptions, one webhook per type: the Event envelope with its
 * `type` fixed, signed as X-Signature says.
 */
function webhooks(): Record<string, unknown> {
  const envelope = schemaOf(eventEnvelopeSchema);
  const header = (name: string, description: string, pattern: string) => ({
    name,
    in: "header",
    required: true,
    description,
    schema: { type: "string", pattern },
  });
  return Object.fromEntries(
    EVENT_TYPES.map(({ type, kind }) => [
      type,
      {
        post: {
          operationId: `event-${type}`,
          summary:
            type === "test"
              ? "A test event, sent on request"
              : `A ${kind} entered the status this type names`,
          tags: ["events"],
          security: [],
          parameters: [
            header("X-Event-Id", "The event's id; a redelivery repeats it", "^evt_[0-9a-f]{32}$"),
            header("X-Timestamp", "Unix seconds when this attempt was signed", "^[0-9]{1,12}$"),
            header(
              "X-Signature",
              'sha256=<hex HMAC-SHA256 under the subscription\'s secret of "<X-Timestamp>.<raw body>">',
              "^sha256=[0-9a-f]{64}$",
            ),
          ],
          requestBody: {
            required: true,
            content: {
              "application/json": {
                schema: { allOf: [envelope, { type: "object", properties: { type: { const: type } } }] },
              },
            },
          },
          responses: {
            "200": { description: "Delivered (any 2xx); anything else or no answer in time is retried" },
          },
        },
      },
    ]),
  );
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
        "Moves customers who bought Microsoft subscriptions elsewhere into a CSP partner's care, by Partner Center's rules. Every refusal names its rule id; the rules are in the service's repository, shared/domain/RULES.md.",
      license: { name: "Proprietary", identifier: "LicenseRef-Proprietary" },
    },
    servers: [{ url: serverUrl }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    webhooks: webhooks(),
    components: {
      schemas: Object.fromEntries(
        Object.entries(components.schemas).map(([id, schema]) => [
          id,
          stripMeta(schema as Record<string, unknown>),
        ]),
      ),
      securitySchemes: {
        operatorKey: {
          type: "apiKey",
          in: "header",
          name: "X-Key-Id",
          description: `An operator key (setting OPERATOR_KEYS). ${SIGNING}`,
        },
        partnerKey: {
          type: "apiKey",
          in: "header",
          name: "X-Key-Id",
          description: `A partner key the operator issued (POST /api/admin/partners/{partnerId}/keys). ${SIGNING}`,
        },
        customerToken: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description:
            "An Entra ID access token of the customer tenant for this service's app registration (audience CUSTOMER_TOKEN_AUDIENCE), held by a Global Administrator (TEN-3).",
        },
        partnerCenterSignature: {
          type: "apiKey",
          in: "header",
          name: "Authorization",
          description:
            "Partner Center's own event signature: `Authorization: Signature <base64 RSA-SHA256 of the raw body>`, with X-MS-Certificate-Url (an origin of PARTNER_CENTER_CERTIFICATE_ORIGINS) and X-MS-Signature-Algorithm: rsa-sha256.",
        },
      },
    },
  };
}
