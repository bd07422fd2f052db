/** What a live-mode step in Partner Center (an invitation, an order) reports to its processor. */
import type { MigrationStatus } from "../domain/index.js";

export interface PartnerCenterStep {
  readonly notes: readonly string[];
  readonly warn: boolean;
  /** Commit attempts of its own writes. */
  readonly attempts: number;
  readonly writes: number;
  /** The statuses its writes moved the migration to (its final one, once its last item settled). */
  readonly path?: readonly MigrationStatus[];
}

/** Nothing to do: records mode, or nothing left to make in Partner Center. */
export const NO_STEP: PartnerCenterStep = { notes: [], warn: false, attempts: 0, writes: 0 };

/** Two steps as one report. */
export function combineSteps(first: PartnerCenterStep, second: PartnerCenterStep): PartnerCenterStep {
  return {
    notes: [...first.notes, ...second.notes],
    warn: first.warn || second.warn,
    attempts: first.attempts + second.attempts,
    writes: first.writes + second.writes,
    path: [...(first.path ?? []), ...(second.path ?? [])],
  };
}
