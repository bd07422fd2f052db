/** What a live-mode step in Partner Center (an invitation, an order) reports to its processor. */
import type { LineItem, Migration, MigrationStatus } from "../domain/index.js";
import type { CustomerState } from "../storage/index.js";

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

/** One step per item `awaits` holds for, of the migrations `select` picks in `state`, in order, as one report. */
export async function stepEachAwaiting(
  state: CustomerState,
  select: (migration: Migration) => boolean,
  awaits: (item: LineItem) => boolean,
  step: (migration: Migration, item: LineItem) => Promise<PartnerCenterStep>,
): Promise<PartnerCenterStep> {
  let report = NO_STEP;
  for (const { value: migration } of state.migrations.values()) {
    if (!select(migration)) continue;
    for (const item of migration.items.filter(awaits))
      report = combineSteps(report, await step(migration, item));
  }
  return report;
}
