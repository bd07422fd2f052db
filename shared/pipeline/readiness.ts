/**
 * The readiness check (POST /api/migrations/validate): the decision the processor would make on
 * today's state, made by the same pure function (decision.ts) on the same inputs, and reported
 * instead of committed. Nothing is written.
 */
import type { LineItem, Migration, MigrationRequestBody } from "../domain/index.js";
import { loadCustomerState } from "../storage/index.js";
import { decideFromState, gatherDecisionInputs } from "./decision.js";
import type { Runtime } from "./runtime.js";
import { submittedMigration } from "./submittedMigration.js";

export type Verdict = "proceeds" | "waits-for-relationship" | "refused";

export interface ItemReadiness {
  readonly subscriptionId: string;
  readonly path: LineItem["path"];
  readonly verdict: Verdict;
  readonly violations: LineItem["violations"];
  readonly licenseReassignmentRequired: boolean;
  readonly creditEligibility: LineItem["creditEligibility"];
  readonly cancelAt: string | null;
}

export interface Readiness {
  readonly partnerId: string;
  readonly customerId: string;
  readonly decidedAt: string;
  readonly verdict: Verdict;
  /** The status the migration would reach. */
  readonly status: Migration["status"];
  readonly violations: Migration["violations"];
  readonly failureReason?: string;
  readonly items: readonly ItemReadiness[];
}

/** The id the hypothetical migration carries; never stored. */
const UNSAVED_ID = "readiness-check";

export async function checkReadiness(rt: Runtime, body: MigrationRequestBody): Promise<Readiness> {
  const now = rt.now();
  const state = await loadCustomerState(rt.store, body.customerId);
  const migration = submittedMigration(UNSAVED_ID, body, now);
  const { outcome } = decideFromState(await gatherDecisionInputs(rt, state, migration, now));
  return { ...readinessOf(outcome.migration), decidedAt: now.toISOString() };
}

/** The verdicts a decided migration stands for: what validate answers and what the processor did. */
export function readinessOf(migration: Migration): Omit<Readiness, "decidedAt"> {
  const verdict = migrationVerdict(migration.status);
  return {
    partnerId: migration.partnerId,
    customerId: migration.customerId,
    verdict,
    status: migration.status,
    violations: migration.violations,
    ...(migration.failureReason === undefined ? {} : { failureReason: migration.failureReason }),
    items: migration.request.map((request, index) => {
      const item = migration.items[index];
      return {
        subscriptionId: request.subscriptionId,
        path: item?.path ?? null,
        verdict: item === undefined || item.status === "rejected" ? "refused" : verdict,
        violations: item?.violations ?? [],
        licenseReassignmentRequired: item?.licenseReassignmentRequired ?? false,
        creditEligibility: item?.creditEligibility ?? "not-eligible",
        cancelAt: item?.cancelAt ?? null,
      };
    }),
  };
}

function migrationVerdict(status: Migration["status"]): Verdict {
  switch (status) {
    case "awaiting-relationship":
      return "waits-for-relationship";
    case "provisioning":
    case "awaiting-term-end":
    case "completed":
    case "partially-completed":
      return "proceeds";
    case "submitted":
    case "rejected":
    case "failed":
      return "refused";
  }
}
