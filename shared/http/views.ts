/** What the GET routes and 202 answers return, as schemas so OpenAPI is generated from them. */
import { z } from "zod";

import {
  historyEntrySchema,
  idSchema,
  isoTimeSchema,
  migrationSchema,
  relationshipSchema,
  ruleIdSchema,
} from "../domain/model.js";

export const acceptedSchema = z.object({ id: idSchema, status: z.string() }).meta({
  id: "Accepted",
  description: "Asynchronous work taken: poll the Location header for its outcome.",
});
export type Accepted = z.infer<typeof acceptedSchema>;

/** A history entry as the GET routes show it; `lineItem` names the subscription of a line item's step. */
export const historyViewEntrySchema = historyEntrySchema
  .extend({ lineItem: idSchema.optional() })
  .meta({ id: "HistoryViewEntry" });

export const relationshipViewSchema = relationshipSchema
  .extend({ history: z.array(historyViewEntrySchema) })
  .meta({ id: "RelationshipView" });
export type RelationshipView = z.infer<typeof relationshipViewSchema>;

export const migrationViewSchema = migrationSchema
  .extend({ history: z.array(historyViewEntrySchema) })
  .meta({ id: "MigrationView" });
export type MigrationView = z.infer<typeof migrationViewSchema>;

const listOf = <T extends z.ZodType>(item: T, id: string) => z.object({ items: z.array(item) }).meta({ id });

export const relationshipListSchema = listOf(relationshipSchema, "RelationshipList");
export const migrationListSchema = listOf(migrationSchema, "MigrationList");

export const sweepTransitionSchema = z
  .object({
    entity: z.enum(["line-item", "migration", "relationship", "subscription"]),
    customerId: idSchema,
    id: z.string(),
    from: z.string().nullable(),
    to: z.string(),
    rules: z.array(ruleIdSchema),
  })
  .meta({ id: "SweepTransition" });
export type SweepTransition = z.infer<typeof sweepTransitionSchema>;

export const sweepReportSchema = z
  .object({
    asOf: isoTimeSchema,
    dryRun: z.boolean(),
    customers: z.number().int(),
    /** A real run: the customers queued, each swept on its own from the customer-sweeps queue. */
    queued: z.number().int().optional(),
    transitions: z.array(sweepTransitionSchema),
  })
  .meta({
    id: "SweepReport",
    description:
      "With dryRun, what the sweep would do. A real run queues each due customer (queued) for a sweep of its own and answers before they are done (transitions then empty).",
  });
export type SweepReport = z.infer<typeof sweepReportSchema>;

export const healthSchema = z
  .object({
    status: z.enum(["ok", "unavailable"]),
    checks: z.object({
      tableStorage: z.object({ ok: z.boolean(), detail: z.string().optional() }),
      serviceBus: z.object({ ok: z.boolean(), detail: z.string().optional() }),
    }),
  })
  .meta({ id: "Health" });
export type Health = z.infer<typeof healthSchema>;

export const partnerKeyIssuedSchema = z
  .object({
    keyId: z.string(),
    secret: z.string().meta({ description: "Shown by this answer only; derived, never stored" }),
    partnerId: idSchema,
    createdAt: isoTimeSchema,
  })
  .meta({ id: "PartnerKeyIssued" });

export const partnerKeyViewSchema = z
  .object({
    keyId: z.string(),
    partnerId: idSchema,
    createdAt: isoTimeSchema,
    revokedAt: isoTimeSchema.optional(),
  })
  .meta({ id: "PartnerKey", description: "A partner key as listed: never its secret." });
export const partnerKeyListSchema = listOf(partnerKeyViewSchema, "PartnerKeyList");
