/** What the readiness, bulk and customer-map routes answer, as schemas so OpenAPI is generated from them. */
import { z } from "zod";

import {
  creditEligibilitySchema,
  idSchema,
  isoTimeSchema,
  migrationPathSchema,
  migrationStatusSchema,
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
