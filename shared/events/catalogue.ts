/**
 * The events this service pushes to partners' portals, in Partner Center's naming style: one per
 * status a relationship, a migration or a line item enters, `relationship-invitation-made` when the
 * invitation made in Partner Center is recorded (live mode), plus `test`. Each is the same envelope
 * with its own `type`; the OpenAPI document's `webhooks` section is generated from these schemas.
 */
import { createHash } from "node:crypto";

import { z } from "zod";

import {
  idSchema,
  invitationSchema,
  isoTimeSchema,
  LINE_ITEM_STATUSES,
  MIGRATION_STATUSES,
  RELATIONSHIP_STATUSES,
} from "../domain/model.js";

export type ResourceKind = "relationship" | "migration" | "line-item";

/** Where Partner Center's own event names differ from `<kind>-<status>`. */
const RELATIONSHIP_NAMES: Readonly<Partial<Record<(typeof RELATIONSHIP_STATUSES)[number], string>>> = {
  submitted: "relationship-requested",
  pending: "relationship-invitation-sent",
  active: "relationship-accepted",
};

/** A relationship's step that stays pending: the invitation made in Partner Center was recorded. */
export const INVITATION_MADE_EVENT_TYPE = "relationship-invitation-made";

/** The event a resource's status step raises: entering `status`, from `from` when known. */
export function eventTypeFor(kind: ResourceKind, status: string, from?: string | null): string {
  if (kind === "relationship") {
    if (status === "pending" && from === "pending") return INVITATION_MADE_EVENT_TYPE;
    return RELATIONSHIP_NAMES[status as keyof typeof RELATIONSHIP_NAMES] ?? `relationship-${status}`;
  }
  return `${kind}-${status}`;
}

const STATUSES: Readonly<Record<ResourceKind, readonly string[]>> = {
  relationship: RELATIONSHIP_STATUSES,
  migration: MIGRATION_STATUSES,
  "line-item": LINE_ITEM_STATUSES,
};

export const TEST_EVENT_TYPE = "test";

/** Every event type, grouped by the resource it is about; `test` is about a webhook subscription. */
export const EVENT_TYPES: readonly { readonly type: string; readonly kind: ResourceKind | "webhook" }[] = [
  ...(Object.keys(STATUSES) as ResourceKind[]).flatMap((kind) =>
    STATUSES[kind].map((status) => ({ type: eventTypeFor(kind, status), kind })),
  ),
  { type: INVITATION_MADE_EVENT_TYPE, kind: "relationship" },
  { type: TEST_EVENT_TYPE, kind: "webhook" },
];

export const eventResourceSchema = z
  .strictObject({
    kind: z.enum(["relationship", "migration", "line-item", "webhook"]),
    /** A line item's id is `<migrationId>/<subscriptionId>`. */
    id: z.string().min(1).max(300),
    /** The status the resource entered with this event. */
    status: z.string().min(1).max(64),
    /** Where to read the resource: GET this path. */
    href: z.string().startsWith("/api/"),
  })
  .meta({ id: "EventResource" });

export const eventDataSchema = z
  .strictObject({
    /** The status before (null when the resource was created). */
    from: z.string().nullable(),
    rules: z.array(z.string()),
    note: z.string().max(2000).optional(),
    /** `relationship-invitation-made` only: the links the customer opens, as GET /api/relationships/{id} shows them. */
    invitation: invitationSchema.optional(),
  })
  .meta({ id: "EventData" });

const envelopeShape = {
  /** Same event, same id: a redelivery repeats it, so a receiver deduplicates on it. */
  id: z.string().regex(/^evt_[0-9a-f]{32}$/),
  occurredAt: isoTimeSchema,
  partnerId: idSchema,
  customerId: idSchema.nullable(),
  resource: eventResourceSchema,
  /** Rises by one per resource with every event about it: order by it, drop what you have seen. */
  sequence: z.number().int().min(0),
  data: eventDataSchema,
};

export const eventEnvelopeSchema = z
  .strictObject({ ...envelopeShape, type: z.enum(EVENT_TYPES.map((entry) => entry.type)) })
  .meta({ id: "Event" });
export type EventEnvelope = z.infer<typeof eventEnvelopeSchema>;

/** The schema of one event type, for the OpenAPI `webhooks` section. */
export function eventSchemaOf(type: string): z.ZodType {
  return z.strictObject({ ...envelopeShape, type: z.literal(type) });
}

/**
 * An event's id from what it is about: customer, resource and sequence. A retried commit derives the
 * same events with the same sequences, hence the same ids.
 */
export function eventIdFor(customerId: string, kind: string, resourceId: string, sequence: number): string {
  const digest = createHash("sha256")
    .update(`${customerId}\n${kind}\n${resourceId}\n${sequence}`)
    .digest("hex");
  return `evt_${digest.slice(0, 32)}`;
}
