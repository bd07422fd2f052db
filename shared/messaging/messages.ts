/**
 * What travels on the queues. The message id is the request id, so Service Bus's duplicate
 * detection drops a re-send; processors validate every message with these schemas.
 */
import { z } from "zod";

import { idSchema, isoTimeSchema } from "../domain/model.js";
import { partnerCenterEventSchema } from "../partnerCenter/shapes.js";
import { eventEnvelopeSchema, type EventEnvelope } from "../events/catalogue.js";

export const QUEUES = {
  relationships: "relationship-requests",
  migrations: "migration-requests",
  sweeps: "customer-sweeps",
  bulk: "bulk-migrations",
  /** Events out: each send of committed events, then each webhook delivery attempt (scheduled for retries). */
  events: "partner-events",
} as const;

/**
 * Application properties of a scheduled redelivery's copy (shared/pipeline/queueTrigger.ts): its
 * attempt and when the first delivery failed. Absent on a first delivery, and dropped by a replay.
 */
export const REDELIVERY_PROPERTIES = ["redeliveryAttempt", "redeliveryFirstFailedAt"] as const;

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

/**
 * Live mode, on the migration queue: ask Partner Center how a line item's transfer is going (poll
 * `poll`, scheduled). Its request id is fixed by the item and the poll, so a re-send is dropped.
 */
export const transferPollMessageSchema = z.object({
  ...base,
  type: z.literal("transfer-poll"),
  migrationId: idSchema,
  subscriptionId: idSchema,
  transferId: z.string().min(1).max(200),
  poll: z.number().int().min(1).max(1_000),
});
export type TransferPollMessage = z.infer<typeof transferPollMessageSchema>;

/** Everything the migration queue carries. */
export const migrationQueueMessageSchema = z.discriminatedUnion("type", [
  migrationMessageSchema,
  transferPollMessageSchema,
]);
export type MigrationQueueMessage = z.infer<typeof migrationQueueMessageSchema>;

/** A due-index entry as the sweep read it (shared/storage/indexes.ts DueEntry). */
const dueEntrySchema = z.object({
  kind: z.enum(["term-end", "invitation"]),
  customerId: idSchema,
  entityId: idSchema,
  dueAt: z.string().min(1).max(64),
  key: z.object({ partitionKey: z.string().min(1).max(1024), rowKey: z.string().min(1).max(1024) }),
  writtenAt: z.string().max(64),
});

/**
 * One customer to sweep, as of the run that read the due index (the timer or the admin route): the
 * entries that named it travel along, so the customer's sweep reads only its own partition.
 */
export const sweepMessageSchema = z.object({
  schemaVersion: z.literal(1),
  type: z.literal("customer-sweep"),
  customerId: idSchema,
  asOf: isoTimeSchema,
  by: z.string().min(1).max(128),
  entries: z.array(dueEntrySchema).min(1).max(1_000),
});
export type SweepMessage = z.infer<typeof sweepMessageSchema>;
/** One chunk of a bulk migration's plan to submit (its customers' migrations, through the intake). */
export const bulkChunkMessageSchema = z.object({
  schemaVersion: z.literal(1),
  type: z.literal("bulk-chunk"),
  requestId: z.string().min(1).max(128),
  batchId: idSchema,
  chunk: z.number().int().min(0),
});
export type BulkChunkMessage = z.infer<typeof bulkChunkMessageSchema>;

export type QueueMessage = RelationshipMessage | MigrationQueueMessage | BulkChunkMessage;

/** A webhook subscription's name: the last segment of its path. */
export const webhookNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "lowercase letters, digits and '-'");

/**
 * A partner-events message's body, as JSON, stays under this: Service Bus's standard tier takes
 * 256 KB a message, headers and application properties included, so a larger set goes in several.
 */
export const MAX_EVENTS_MESSAGE_BYTES = 192 * 1024;

/**
 * On the partner-events queue: the events one send of committed events carries (message id derived
 * from their sorted ids, so the relay and the timer sending one set twice collapse), or one delivery
 * attempt of an event to one subscription (message id = delivery id and attempt; a retry is the next
 * attempt, scheduled). `partner-event`, one event a message, is what earlier versions sent: still read
 * (queued at deploy time), no longer sent.
 */
export const partnerEventMessageSchema = z.discriminatedUnion("type", [
  z.strictObject({
    schemaVersion: z.literal(1),
    type: z.literal("partner-events"),
    events: z.array(eventEnvelopeSchema).min(1),
  }),
  z.strictObject({
    schemaVersion: z.literal(1),
    type: z.literal("partner-event"),
    event: eventEnvelopeSchema,
  }),
  z.strictObject({
    schemaVersion: z.literal(1),
    type: z.literal("webhook-delivery"),
    partnerId: idSchema,
    webhook: webhookNameSchema,
    deliveryId: z.string().regex(/^dlv_[0-9a-f]{32}$/),
    attempt: z.number().int().min(1).max(1_000),
  }),
]);
export type PartnerEventMessage = z.infer<typeof partnerEventMessageSchema>;

/** The committed events a partner-events message carries: none for a delivery attempt. */
export function eventsCarried(message: PartnerEventMessage): readonly EventEnvelope[] {
  if (message.type === "partner-events") return message.events;
  if (message.type === "partner-event") return [message.event];
  return [];
}
