/**
 * Every HTTP route of API.md, once: the functions register from these entries and the OpenAPI
 * document is generated from them, so the two cannot drift.
 */
import { z } from "zod";

import {
  customerSchema,
  idSchema,
  isoTimeSchema,
  offerSchema,
  partnerSchema,
  subscriptionSchema,
} from "../domain/model.js";
import {
  acceptanceBodySchema,
  declinationBodySchema,
  migrationRequestBodySchema,
  putCustomerBodySchema,
  putOfferBodySchema,
  putPartnerBodySchema,
  putSubscriptionBodySchema,
  relationshipRequestBodySchema,
} from "../domain/requests.js";
import {
  acceptedSchema,
  healthSchema,
  migrationListSchema,
  migrationViewSchema,
  relationshipListSchema,
  relationshipViewSchema,
  sweepReportSchema,
} from "./views.js";

export interface RouteSpec {
  /** The function's name, as registered with app.http. */
  name: string;
  method: "GET" | "PUT" | "POST";
  /** The route template below the /api prefix. */
  route: string;
  summary: string;
  /** Signed webhook (API.md): X-Timestamp and X-Signature required. */
  signed: boolean;
  /** Idempotency-Key required. */
  idempotent: boolean;
  /** Needs an admin-level function key in Azure. */
  admin?: boolean;
  params: Record<string, z.ZodType>;
  query?: Record<string, { schema: z.ZodType; description: string }>;
  body?: z.ZodType;
  responses: Partial<Record<200 | 201 | 202 | 503, { description: string; schema: z.ZodType }>>;
}

function reference<P extends Record<string, z.ZodType>, B extends z.ZodType, R extends z.ZodType>(
  name: string,
  route: string,
  summary: string,
  params: P,
  body: B,
  record: R,
) {
  return {
    name,
    method: "PUT" as const,
    route,
    summary,
    signed: true,
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

export const ROUTES = {
  putPartner: reference(
    "putPartner",
    "partners/{partnerId}",
    "Create or update a CSP partner",
    { partnerId: idSchema },
    putPartnerBodySchema,
    partnerSchema,
  ),
  putCustomer: reference(
    "putCustomer",
    "customers/{customerId}",
    "Create or update a customer tenant",
    { customerId: idSchema },
    putCustomerBodySchema,
    customerSchema,
  ),
  putSubscription: reference(
    "putSubscription",
    "customers/{customerId}/subscriptions/{subscriptionId}",
    "Enter an existing subscription's details by hand (MC-5)",
    { customerId: idSchema, subscriptionId: idSchema },
    putSubscriptionBodySchema,
    subscriptionSchema,
  ),
  putOffer: reference(
    "putOffer",
    "offers/{offerId}",
    "Create or update a catalogue offer (read by MIG-4, MIG-5)",
    { offerId: idSchema },
    putOfferBodySchema,
    offerSchema,
  ),
  postRelationshipRequest: {
    name: "postRelationshipRequest",
    method: "POST",
    route: "relationship-requests",
    summary: "Ask a customer for a reseller relationship (REL-1)",
    signed: true,
    idempotent: true,
    params: {},
    body: relationshipRequestBodySchema,
    responses: accepted,
  },
  postAcceptance: {
    name: "postAcceptance",
    method: "POST",
    route: "relationships/{id}/acceptance",
    summary: "The customer accepts the invitation (REL-2)",
    signed: true,
    idempotent: true,
    params: { id: idSchema },
    body: acceptanceBodySchema,
    responses: accepted,
  },
  postDeclination: {
    name: "postDeclination",
    method: "POST",
    route: "relationships/{id}/declination",
    summary: "The customer declines the invitation",
    signed: true,
    idempotent: true,
    params: { id: idSchema },
    body: declinationBodySchema,
    responses: accepted,
  },
  getRelationship: {
    name: "getRelationship",
    method: "GET",
    route: "relationships/{id}",
    summary: "A relationship with its violations and history",
    signed: false,
    idempotent: false,
    params: { id: idSchema },
    responses: { 200: { description: "The relationship", schema: relationshipViewSchema } },
  },
  listRelationships: {
    name: "listRelationships",
    method: "GET",
    route: "customers/{customerId}/relationships",
    summary: "A customer's relationships; one customer may have many partners (MP-1)",
    signed: false,
    idempotent: false,
    params: { customerId: idSchema },
    responses: { 200: { description: "The relationships", schema: relationshipListSchema } },
  },
  getSubscription: {
    name: "getSubscription",
    method: "GET",
    route: "customers/{customerId}/subscriptions/{subscriptionId}",
    summary: "A subscription as stored",
    signed: false,
    idempotent: false,
    params: { customerId: idSchema, subscriptionId: idSchema },
    responses: { 200: { description: "The subscription", schema: subscriptionSchema } },
  },
  postMigration: {
    name: "postMigration",
    method: "POST",
    route: "migrations",
    summary: "Move a customer's subscriptions into CSP (MIG-1)",
    signed: true,
    idempotent: true,
    params: {},
    body: migrationRequestBodySchema,
    responses: accepted,
  },
  getMigration: {
    name: "getMigration",
    method: "GET",
    route: "migrations/{id}",
    summary: "A migration with its line items, violations and history",
    signed: false,
    idempotent: false,
    params: { id: idSchema },
    responses: { 200: { description: "The migration", schema: migrationViewSchema } },
  },
  listMigrations: {
    name: "listMigrations",
    method: "GET",
    route: "customers/{customerId}/migrations",
    summary: "A customer's migrations",
    signed: false,
    idempotent: false,
    params: { customerId: idSchema },
    responses: { 200: { description: "The migrations", schema: migrationListSchema } },
  },
  postSweep: {
    name: "postSweep",
    method: "POST",
    route: "admin/sweep",
    summary: "Run the term-end sweep now (the nightly timer runs the same code)",
    signed: false,
    idempotent: false,
    admin: true,
    params: {},
    query: {
      asOf: { schema: isoTimeSchema, description: "Sweep as if it were this time (default: now)" },
      dryRun: { schema: z.enum(["true", "false"]), description: "Say what would change, write nothing" },
    },
    responses: { 200: { description: "What the sweep did or would do", schema: sweepReportSchema } },
  },
  getHealth: {
    name: "getHealth",
    method: "GET",
    route: "health",
    summary: "Whether Table Storage and Service Bus answer",
    signed: false,
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
    signed: false,
    idempotent: false,
    params: {},
    responses: { 200: { description: "The OpenAPI document", schema: z.record(z.string(), z.unknown()) } },
  },
} satisfies Record<string, RouteSpec>;
