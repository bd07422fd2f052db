/**
 * Every HTTP route, once: who may call it, what it reads, what it answers. `defineRoute` enforces
 * each entry (caller, signature, schemas, Idempotency-Key), the functions register from it and the
 * OpenAPI document is generated from it, so the three cannot drift.
 */
import { z } from "zod";

import type { CallerKind } from "../domain/index.js";
import type { BodyReader } from "./input.js";
import {
  customerSchema,
  idSchema,
  isoTimeSchema,
  offerSchema,
  partnerSchema,
  RELATIONSHIP_STATUSES,
  subscriptionSchema,
  textSchema,
} from "../domain/model.js";
import {
  declinationBodySchema,
  migrationRequestBodySchema,
  putCustomerBodySchema,
  putOfferBodySchema,
  putPartnerBodySchema,
  putSubscriptionBodySchema,
  relationshipRequestBodySchema,
} from "../domain/requests.js";
import { BULK_CSV_COLUMNS, bulkMigrationBodySchema } from "../domain/bulk.js";
import { readBulkBody } from "./bulkBody.js";
import { webhookNameSchema } from "../messaging/messages.js";
import { DELIVERY_STATUSES } from "../storage/webhooks.js";
import {
  deliveryIdSchema,
  deliveryListSchema,
  putWebhookBodySchema,
  redeliveryAcceptedSchema,
  webhookCreatedSchema,
  webhookListSchema,
  webhookTestResultSchema,
  webhookViewSchema,
} from "./webhookViews.js";
import {
  bulkAcceptedSchema,
  bulkCancellationSchema,
  bulkProgressSchema,
  customerMapPageSchema,
  readinessSchema,
} from "./portfolioViews.js";
import { CUSTOMER_MAP_CSV_COLUMNS } from "./customerMapCsv.js";
import { partnerCenterEventSchema } from "../partnerCenter/shapes.js";
import {
  acceptedSchema,
  healthSchema,
  migrationListSchema,
  migrationViewSchema,
  partnerKeyIssuedSchema,
  partnerKeyListSchema,
  relationshipListSchema,
  relationshipViewSchema,
  sweepReportSchema,
} from "./views.js";

type Status = 200 | 201 | 202 | 204 | 503;

export interface RouteSpec {
  /** The function's name, as registered with app.http. */
  name: string;
  method: "GET" | "PUT" | "POST" | "DELETE";
  /** The route template below the /api prefix. */
  route: string;
  summary: string;
  /** Who may call it; `public` routes need no proof at all. Partners and operators sign, customers send a token. */
  callers: readonly CallerKind[] | "public";
  /** Idempotency-Key required. */
  idempotent: boolean;
  params: Record<string, z.ZodType>;
  query?: Record<string, { schema: z.ZodType; description: string }>;
  body?: z.ZodType;
  responses: Partial<Record<Status, { description: string; schema?: z.ZodType }>>;
  /** Problem answers of this route's own, beside those every route of its kind has (documented in OpenAPI). */
  problems?: Readonly<Record<number, string>>;
  /** A body limit of the route's own (default MAX_BODY_BYTES). */
  maxBodyBytes?: number;
  /**
   * Reads the body instead of `body`'s schema, which OpenAPI still documents: for a body that may
   * also come as CSV, or whose items are checked one by one.
   */
  readBody?: BodyReader;
  /** The route's CSV forms, documented in OpenAPI: what a `text/csv` body or answer holds. */
  csv?: { request?: string; response?: string };
}

const OPERATOR = ["operator"] as const;
const PARTNER = ["partner"] as const;
const READERS = ["partner", "operator"] as const;
const CUSTOMER = ["customer"] as const;

function reference<P extends Record<string, z.ZodType>, B extends z.ZodType, R extends z.ZodType>(
  name: string,
  route: string,
  summary: string,
  callers: readonly CallerKind[],
  params: P,
  body: B,
  record: R,
) {
  return {
    name,
    method: "PUT" as const,
    route,
    summary,
    callers,
    idempotent: false,
    params,
    body,
    responses: {
      200: { description: "Updated", schema: record },
      201: { description: "Created", schema: record },
    },
  } satisfies RouteSpec;
}

const accepted = { 202: { description: "Accepted; poll the Location header", schema: acceptedSchema } };
const keyId = z
  .string()
  .regex(/^pk_[a-z0-9]{26}$/, "must be a partner key id")
  .meta({ description: "A partner key id" });

export const ROUTES = {
  putPartner: reference(
    "putPartner",
    "partners/{partnerId}",
    "Create or update a CSP partner (the operator's, TEN-4)",
    OPERATOR,
    { partnerId: idSchema },
    putPartnerBodySchema,
    partnerSchema,
  ),
  putCustomer: reference(
    "putCustomer",
    "customers/{customerId}",
    "Create or update a customer tenant (TEN-5)",
    READERS,
    { customerId: idSchema },
    putCustomerBodySchema,
    customerSchema,
  ),
  putSubscription: reference(
    "putSubscription",
    "customers/{customerId}/subscriptions/{subscriptionId}",
    "Enter an existing subscription's details by hand (MC-5, TEN-6)",
    READERS,
    { customerId: idSchema, subscriptionId: idSchema },
    putSubscriptionBodySchema,
    subscriptionSchema,
  ),
  putOffer: reference(
    "putOffer",
    "offers/{offerId}",
    "Create or update a catalogue offer, read by MIG-4 and MIG-5 (the operator's, TEN-4)",
    OPERATOR,
    { offerId: idSchema },
    putOfferBodySchema,
    offerSchema,
  ),
  postRelationshipRequest: {
    name: "postRelationshipRequest",
    method: "POST",
    route: "relationship-requests",
    summary: "Ask a customer for a reseller relationship (REL-1)",
    callers: PARTNER,
    idempotent: true,
    params: {},
    body: relationshipRequestBodySchema,
    responses: accepted,
  },
  postAcceptance: {
    name: "postAcceptance",
    method: "POST",
    route: "relationships/{id}/acceptance",
    summary: "The customer's Global Administrator accepts the invitation (REL-2, TEN-3)",
    callers: CUSTOMER,
    idempotent: true,
    params: { id: idSchema },
    responses: accepted,
  },
  postDeclination: {
    name: "postDeclination",
    method: "POST",
    route: "relationships/{id}/declination",
    summary: "The customer's Global Administrator declines the invitation (TEN-3)",
    callers: CUSTOMER,
    idempotent: true,
    params: { id: idSchema },
    body: declinationBodySchema,
    responses: accepted,
  },
  getRelationship: {
    name: "getRelationship",
    method: "GET",
    route: "relationships/{id}",
    summary: "A relationship with its violations and history (TEN-2)",
    callers: READERS,
    idempotent: false,
    params: { id: idSchema },
    responses: { 200: { description: "The relationship", schema: relationshipViewSchema } },
  },
  listRelationships: {
    name: "listRelationships",
    method: "GET",
    route: "customers/{customerId}/relationships",
    summary:
      "A customer's relationships: the caller's own, or every partner's for the operator (MP-1, TEN-2)",
    callers: READERS,
    idempotent: false,
    params: { customerId: idSchema },
    responses: { 200: { description: "The relationships", schema: relationshipListSchema } },
  },
  getSubscription: {
    name: "getSubscription",
    method: "GET",
    route: "customers/{customerId}/subscriptions/{subscriptionId}",
    summary: "A subscription as stored, to the partner that entered it or is its partner of record (TEN-2)",
    callers: READERS,
    idempotent: false,
    params: { customerId: idSchema, subscriptionId: idSchema },
    responses: { 200: { description: "The subscription", schema: subscriptionSchema } },
  },
  postMigration: {
    name: "postMigration",
    method: "POST",
    route: "migrations",
    summary: "Move a customer's subscriptions into CSP (MIG-1)",
    callers: PARTNER,
    idempotent: true,
    params: {},
    body: migrationRequestBodySchema,
    responses: accepted,
  },
  postMigrationValidation: {
    name: "postMigrationValidation",
    method: "POST",
    route: "migrations/validate",
    summary: "What the processor would decide for this migration on today's state; writes nothing",
    callers: PARTNER,
    idempotent: false,
    params: {},
    body: migrationRequestBodySchema,
    responses: { 200: { description: "The verdicts", schema: readinessSchema } },
  },
  postBulkMigration: {
    name: "postBulkMigration",
    method: "POST",
    route: "bulk-migrations",
    summary: "Move up to 5,000 items over up to 1,000 customers: one migration per customer (MIG-1)",
    callers: PARTNER,
    idempotent: true,
    params: {},
    query: {
      acceptValid: {
        schema: z.enum(["true", "false"]),
        description: "Go ahead with the valid rows and list the bad ones, instead of refusing the batch",
      },
      externalReferenceId: {
        schema: textSchema(128),
        description: "text/csv only: the partner's name for the batch",
      },
      actorUserId: { schema: textSchema(256), description: "text/csv only: the partner user acting" },
      actorRole: { schema: textSchema(64), description: "text/csv only: that user's role" },
    },
    body: bulkMigrationBodySchema,
    readBody: readBulkBody,
    maxBodyBytes: 1024 * 1024,
    csv: {
      request: `One row per item under the header ${BULK_CSV_COLUMNS.join(",")} (customerId, subscriptionId and cancelOriginal required; empty cells are absent); the partner is the caller, the rest is in the query`,
    },
    responses: { 202: { description: "Accepted; poll the Location header", schema: bulkAcceptedSchema } },
  },
  listPartnerCustomers: {
    name: "listPartnerCustomers",
    method: "GET",
    route: "partners/{partnerId}/customers",
    summary:
      "The partner's customer map: where each customer stands and what needs a person, a page at a time (TEN-2)",
    callers: READERS,
    idempotent: false,
    params: { partnerId: idSchema },
    query: {
      relationship: {
        schema: z.enum(["none", ...RELATIONSHIP_STATUSES]),
        description: "Only customers whose relationship with the partner is in this state",
      },
      needsAction: { schema: z.enum(["true", "false"]), description: "Only customers that need a person" },
      termEndBefore: { schema: isoTimeSchema, description: "Only customers with a term ending before this" },
      limit: {
        schema: z.coerce.number().int().min(1).max(1000),
        description: "Customers per page, 1–1,000 (default 100)",
      },
      continuationToken: {
        schema: z.string().regex(/^[A-Za-z0-9+/=_-]{1,2048}$/),
        description: "The next page, from the previous answer",
      },
    },
    csv: {
      response: `With Accept: text/csv, one row per customer under the header ${CUSTOMER_MAP_CSV_COLUMNS.join(",")}; the next page's token in the x-continuation-token header`,
    },
    responses: { 200: { description: "A page of the map", schema: customerMapPageSchema } },
  },
  getBulkMigration: {
    name: "getBulkMigration",
    method: "GET",
    route: "bulk-migrations/{id}",
    summary:
      "A bulk migration's progress, and its refused, rejected and failed items a page at a time (TEN-2)",
    callers: READERS,
    idempotent: false,
    params: { id: idSchema },
    query: {
      continuationToken: {
        schema: z.string().regex(/^[A-Za-z0-9_-]{1,16}$/),
        description: "The next page of problems, from the previous answer",
      },
    },
    responses: { 200: { description: "The progress", schema: bulkProgressSchema } },
  },
  postBulkCancellation: {
    name: "postBulkCancellation",
    method: "POST",
    route: "bulk-migrations/{id}/cancellation",
    summary: "Stop a bulk migration: customers not yet submitted are not; those submitted go on",
    callers: PARTNER,
    // Cancelling is idempotent itself: a second cancellation finds the first.
    idempotent: false,
    params: { id: idSchema },
    responses: { 200: { description: "Cancelled", schema: bulkCancellationSchema } },
  },
  getMigration: {
    name: "getMigration",
    method: "GET",
    route: "migrations/{id}",
    summary: "A migration with its line items, violations and history (TEN-2)",
    callers: READERS,
    idempotent: false,
    params: { id: idSchema },
    responses: { 200: { description: "The migration", schema: migrationViewSchema } },
  },
  listMigrations: {
    name: "listMigrations",
    method: "GET",
    route: "customers/{customerId}/migrations",
    summary: "A customer's migrations: the caller's own, or every partner's for the operator (TEN-2)",
    callers: READERS,
    idempotent: false,
    params: { customerId: idSchema },
    responses: { 200: { description: "The migrations", schema: migrationListSchema } },
  },
  postPartnerCenterEvent: {
    name: "postPartnerCenterEvent",
    method: "POST",
    route: "partner-center/events/{partnerId}",
    summary:
      "Partner Center's signed webhook event for a partner: verified, queued, then confirmed with Partner Center or Graph before anything changes (TEN-3, MP-2)",
    callers: ["partner-center"],
    // Partner Center sends no Idempotency-Key: the event's bytes and the partner make its id.
    idempotent: false,
    params: { partnerId: idSchema },
    body: partnerCenterEventSchema,
    responses: accepted,
  },
  postPartnerKey: {
    name: "postPartnerKey",
    method: "POST",
    route: "admin/partners/{partnerId}/keys",
    summary: "Issue a signing key for a partner's portal; the secret is in this answer only (TEN-4)",
    callers: OPERATOR,
    idempotent: true,
    params: { partnerId: idSchema },
    responses: { 201: { description: "The new key, with its secret", schema: partnerKeyIssuedSchema } },
  },
  listPartnerKeys: {
    name: "listPartnerKeys",
    method: "GET",
    route: "admin/partners/{partnerId}/keys",
    summary: "A partner's keys, never their secrets (TEN-4)",
    callers: OPERATOR,
    idempotent: false,
    params: { partnerId: idSchema },
    responses: { 200: { description: "The keys", schema: partnerKeyListSchema } },
  },
  deletePartnerKey: {
    name: "deletePartnerKey",
    method: "DELETE",
    route: "admin/partners/{partnerId}/keys/{keyId}",
    summary: "Revoke a partner key: refused at once here, within 60 s everywhere (TEN-4)",
    callers: OPERATOR,
    idempotent: false,
    params: { partnerId: idSchema, keyId },
    responses: { 204: { description: "Revoked" } },
  },
  putWebhook: {
    name: "putWebhook",
    method: "PUT",
    route: "partners/{partnerId}/webhooks/{name}",
    summary: "Subscribe a URL to the partner's events; the signing secret is in this answer only (TEN-1)",
    callers: READERS,
    idempotent: false,
    params: { partnerId: idSchema, name: webhookNameSchema },
    body: putWebhookBodySchema,
    responses: {
      201: { description: "The subscription, with its new secret", schema: webhookCreatedSchema },
    },
    problems: { 422: "The URL is not a safe target: https to a public address" },
  },
  listWebhooks: {
    name: "listWebhooks",
    method: "GET",
    route: "partners/{partnerId}/webhooks",
    summary: "The partner's webhook subscriptions, never their secrets (TEN-2)",
    callers: READERS,
    idempotent: false,
    params: { partnerId: idSchema },
    responses: { 200: { description: "The subscriptions", schema: webhookListSchema } },
  },
  getWebhook: {
    name: "getWebhook",
    method: "GET",
    route: "partners/{partnerId}/webhooks/{name}",
    summary: "One webhook subscription, never its secret (TEN-2)",
    callers: READERS,
    idempotent: false,
    params: { partnerId: idSchema, name: webhookNameSchema },
    responses: { 200: { description: "The subscription", schema: webhookViewSchema } },
  },
  deleteWebhook: {
    name: "deleteWebhook",
    method: "DELETE",
    route: "partners/{partnerId}/webhooks/{name}",
    summary: "Unsubscribe: no further deliveries (TEN-1)",
    callers: READERS,
    idempotent: false,
    params: { partnerId: idSchema, name: webhookNameSchema },
    responses: { 204: { description: "Removed" } },
  },
  postWebhookTest: {
    name: "postWebhookTest",
    method: "POST",
    route: "partners/{partnerId}/webhooks/{name}/test",
    summary:
      "Send a signed `test` event to the subscription now, once, and say what the receiver answered (TEN-1)",
    callers: READERS,
    idempotent: false,
    params: { partnerId: idSchema, name: webhookNameSchema },
    responses: { 200: { description: "What the attempt got", schema: webhookTestResultSchema } },
  },
  listWebhookDeliveries: {
    name: "listWebhookDeliveries",
    method: "GET",
    route: "partners/{partnerId}/webhooks/{name}/deliveries",
    summary: "The subscription's deliveries, e.g. those that failed all 10 attempts (TEN-2)",
    callers: READERS,
    idempotent: false,
    params: { partnerId: idSchema, name: webhookNameSchema },
    query: { status: { schema: z.enum(DELIVERY_STATUSES), description: "Only deliveries in this status" } },
    responses: { 200: { description: "The deliveries", schema: deliveryListSchema } },
  },
  postWebhookRedelivery: {
    name: "postWebhookRedelivery",
    method: "POST",
    route: "partners/{partnerId}/webhooks/{name}/deliveries/{deliveryId}/redelivery",
    summary: "Deliver an event once more, same event id (TEN-1)",
    callers: READERS,
    idempotent: false,
    params: { partnerId: idSchema, name: webhookNameSchema, deliveryId: deliveryIdSchema },
    responses: { 202: { description: "Queued", schema: redeliveryAcceptedSchema } },
  },
  postSweep: {
    name: "postSweep",
    method: "POST",
    route: "admin/sweep",
    summary: "Run the term-end sweep now, the nightly timer's code (TEN-4, OPS-1)",
    callers: OPERATOR,
    // The sweep is idempotent itself: a second run finds nothing left to do.
    idempotent: false,
    params: {},
    query: {
      asOf: {
        schema: isoTimeSchema,
        description: "Sweep as if it were this time (default: now); later than now only with dryRun (OPS-1)",
      },
      dryRun: { schema: z.enum(["true", "false"]), description: "Say what would change, write nothing" },
    },
    responses: { 200: { description: "What the sweep did or would do", schema: sweepReportSchema } },
    problems: { 422: "A sweep that writes cannot look ahead (OPS-1)" },
  },
  getHealth: {
    name: "getHealth",
    method: "GET",
    route: "health",
    summary: "Whether Table Storage and Service Bus answer",
    callers: "public",
    idempotent: false,
    params: {},
    responses: {
      200: { description: "Both answer", schema: healthSchema },
      503: { description: "Names what is down", schema: healthSchema },
    },
  },
  getOpenApi: {
    name: "getOpenApi",
    method: "GET",
    route: "openapi.json",
    summary: "This document: OpenAPI 3.1, generated from the handlers' schemas",
    callers: "public",
    idempotent: false,
    params: {},
    responses: { 200: { description: "The OpenAPI document", schema: z.record(z.string(), z.unknown()) } },
  },
} satisfies Record<string, RouteSpec>;
