/** What the readiness, bulk and customer-map routes answer, as schemas so OpenAPI is generated from them. */
import { z } from "zod";

import {
  channelSchema,
  creditEligibilitySchema,
  idSchema,
  isoTimeSchema,
  migrationPathSchema,
  migrationStatusSchema,
  RELATIONSHIP_STATUSES,
  violationSchema,
} from "../domain/model.js";

export const verdictSchema = z.enum(["proceeds", "waits-for-relationship", "refused"]);

export const readinessSchema = z
  .object({
    partnerId: idSchema,
    customerId: idSchema,
    decidedAt: isoTimeSchema,
    verdict: verdictSchema,
    status: migrationStatusSchema.meta({ description: "The status the migration would reach" }),
    violations: z.array(violationSchema),
    failureReason: z.string().optional(),
    items: z.array(
      z.object({
        subscriptionId: idSchema,
        path: migrationPathSchema.nullable(),
        verdict: verdictSchema,
        violations: z.array(violationSchema),
        licenseReassignmentRequired: z.boolean(),
        creditEligibility: creditEligibilitySchema,
        cancelAt: isoTimeSchema.nullable(),
      }),
    ),
  })
  .meta({
    id: "Readiness",
    description: "What the processor would decide on today's state; nothing is written.",
  });

const rowProblemSchema = z.object({ row: z.number().int(), field: z.string(), message: z.string() });

export const bulkAcceptedSchema = z
  .object({
    id: idSchema,
    status: z.literal("accepted"),
    externalReferenceId: z.string(),
    items: z.number().int(),
    customers: z.number().int(),
    migrations: z.number().int(),
    refusedRows: z.number().int(),
    refused: z
      .array(rowProblemSchema)
      .meta({ description: "The first 100 refused rows; GET pages them all" }),
  })
  .meta({ id: "BulkAccepted", description: "The batch taken: poll the Location header for its progress." });

export const bulkProgressSchema = z
  .object({
    id: idSchema,
    partnerId: idSchema,
    externalReferenceId: z.string(),
    createdAt: isoTimeSchema,
    status: z.enum(["running", "cancelled", "done"]),
    cancelledAt: isoTimeSchema.optional(),
    items: z.number().int(),
    customers: z.number().int(),
    migrations: z.number().int(),
    counts: z.record(z.string(), z.number().int()).meta({
      description:
        "Items by status: queued, cancelled, submitted, awaiting-relationship, provisioning, awaiting-term-end, completed, partially-completed, rejected, failed; refused counts rows refused at intake",
    }),
    percent: z.number().int(),
    itemsPerMinute: z.number(),
    estimatedSecondsLeft: z.number().int().nullable(),
    problems: z.array(
      z.object({
        row: z.number().int(),
        status: z.enum(["refused", "rejected", "failed"]),
        customerId: idSchema.optional(),
        subscriptionId: z.string().optional(),
        migrationId: idSchema.optional(),
        reasons: z.array(
          z.object({
            field: z.string().optional(),
            rule: violationSchema.shape.rule.optional(),
            message: z.string(),
          }),
        ),
      }),
    ),
    continuationToken: z.string().optional(),
  })
  .meta({ id: "BulkProgress" });

export const bulkCancellationSchema = z
  .object({ id: idSchema, cancelledAt: isoTimeSchema })
  .meta({ id: "BulkCancellation", description: "What has not started will not; what has goes on." });

/** What needs a person for a customer (customer map). */
export const actionNeededSchema = z.discriminatedUnion("what", [
  z.object({
    what: z.literal("claim-credit"),
    rule: z.literal("MIG-3"),
    items: z
      .number()
      .int()
      .meta({ description: "Items whose credit the partner may ask billing support for" }),
  }),
  z.object({
    what: z.literal("reassign-licences"),
    rule: z.literal("MIG-6"),
    items: z.number().int().meta({ description: "Provisioned items whose licences must be reassigned" }),
  }),
  z.object({
    what: z.literal("follow-up-invitation"),
    pendingSince: isoTimeSchema.meta({ description: "Sent then and unanswered for more than 14 days" }),
  }),
]);

export const customerMapEntrySchema = z
  .object({
    customerId: idSchema,
    relationship: z.enum(["none", ...RELATIONSHIP_STATUSES]),
    delegatedAdmin: z.boolean(),
    migrations: z.partialRecord(migrationStatusSchema, z.number().int()),
    subscriptions: z.partialRecord(channelSchema, z.number().int()),
    nextTermEnd: isoTimeSchema.optional(),
    needsAction: z.array(actionNeededSchema),
  })
  .meta({ id: "CustomerMapEntry", description: "Where one customer stands with the partner" });

export const customerMapPageSchema = z
  .object({
    partnerId: idSchema,
    items: z.array(customerMapEntrySchema),
    continuationToken: z.string().optional().meta({ description: "Present when there may be more" }),
  })
  .meta({ id: "CustomerMapPage" });
