/**
 * What travels on the queues. The message id is the request id, so Service Bus's duplicate
 * detection drops a re-send; processors validate every message with these schemas.
 */
import { z } from "zod";

import { idSchema } from "../domain/model.js";

export const QUEUES = {
  relationships: "relationship-requests",
  migrations: "migration-requests",
  bulk: "bulk-migrations",
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
]);
export type RelationshipMessage = z.infer<typeof relationshipMessageSchema>;

export const migrationMessageSchema = z.object({
  ...base,
  type: z.literal("migration-request"),
  migrationId: idSchema,
});
export type MigrationMessage = z.infer<typeof migrationMessageSchema>;

/** One chunk of a bulk migration's plan to submit (its customers' migrations, through the intake). */
export const bulkChunkMessageSchema = z.object({
  schemaVersion: z.literal(1),
  type: z.literal("bulk-chunk"),
  requestId: z.string().min(1).max(128),
  batchId: idSchema,
  chunk: z.number().int().min(0),
});
export type BulkChunkMessage = z.infer<typeof bulkChunkMessageSchema>;

export type QueueMessage = RelationshipMessage | MigrationMessage | BulkChunkMessage;
