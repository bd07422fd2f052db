/**
 * What travels on the queues. The message id is the request id, so Service Bus's duplicate
 * detection drops a re-send; processors validate every message with these schemas.
 */
import { z } from "zod";

import { idSchema } from "../domain/model.js";
import { partnerCenterEventSchema } from "../partnerCenter/shapes.js";

export const QUEUES = {
  relationships: "relationship-requests",
  migrations: "migration-requests",
} as const;

const base = { schemaVersion: z.literal(1), requestId: idSchema, customerId: idSchema };

export const relationshipMessageSchema = z.discriminatedUnion("type", [
  z.object({ ...base, type: z.literal("relationship-request"), relationshipId: idSchema }),
  z.object({
    ...base,
    type: z.literal("relationship-answer"),
    relationshipId: idSchema,
    answer: z.enum(["accept", "decline"]),
    customerUserId: z.string().min(1).max(256),
    /** The answering user's Entra object id (oid). */
    customerObjectId: z.string().min(1).max(128).optional(),
    reason: z.string().max(2000).optional(),
  }),
  /** Partner Center's signed event for a partner, verified at the door; the customer is found by confirming it. */
  z.object({
    schemaVersion: z.literal(1),
    requestId: idSchema,
    type: z.literal("partner-center-event"),
    partnerId: idSchema,
    event: partnerCenterEventSchema,
  }),
]);
export type RelationshipMessage = z.infer<typeof relationshipMessageSchema>;
export type PartnerCenterEventMessage = Extract<RelationshipMessage, { type: "partner-center-event" }>;
export type CustomerRelationshipMessage = Exclude<RelationshipMessage, PartnerCenterEventMessage>;

export const migrationMessageSchema = z.object({
  ...base,
  type: z.literal("migration-request"),
  migrationId: idSchema,
});
export type MigrationMessage = z.infer<typeof migrationMessageSchema>;
