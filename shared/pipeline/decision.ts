/**
 * The one decision a migration gets, from what the processor gathers: the customer's loaded state,
 * the partner (undefined when not registered), the offers the items name and the clock. Pure, so the
 * processor (which then commits it) and the readiness check (which only reports it) cannot differ.
 * Without partner or customer, or when the decision would not fit one transaction, the migration
 * fails with a reason saying what to do.
 */
import {
  decideMigration,
  failMigration,
  SYSTEM_ACTOR,
  toIso,
  type Migration,
  type MigrationOutcome,
  type Offer,
  type Partner,
} from "../domain/index.js";
import { changesProblem, type Change, type CustomerState } from "../storage/index.js";
import { offersForMigrations } from "./offers.js";
import { outcomeChanges } from "./persist.js";
import { missingParties, subscriptionsOf, valuesOf } from "./processing.js";
import type { Runtime } from "./runtime.js";

export interface DecisionInputs {
  /** MC-3: setting MIDTERM_LICENSE_TRANSFERS. */
  readonly midtermLicenseTransfers: boolean;
  /** PARTNER_CENTER_MODE=live: licence items are bought in Partner Center once the decision commits. */
  readonly ordersInPartnerCenter: boolean;
  readonly state: CustomerState;
  readonly migration: Migration;
  readonly partner: Partner | undefined;
  readonly offers: readonly Offer[];
  readonly now: Date;
}

export interface Decision {
  readonly outcome: MigrationOutcome;
  readonly changes: Change[];
}

/** What a decision reads besides the state: the partner (reference cache) and the offers its items name. */
export async function gatherDecisionInputs(
  rt: Pick<Runtime, "reference" | "config">,
  state: CustomerState,
  migration: Migration,
  now: Date,
): Promise<DecisionInputs> {
  const [partner, offers] = await Promise.all([
    rt.reference.partner(migration.partnerId),
    offersForMigrations(rt.reference, [migration], subscriptionsOf(state)),
  ]);
  return {
    midtermLicenseTransfers: rt.config.MIDTERM_LICENSE_TRANSFERS,
    ordersInPartnerCenter: rt.config.PARTNER_CENTER_MODE === "live",
    state,
    migration,
    partner,
    offers,
    now,
  };
}

export function decideFromState(inputs: DecisionInputs): Decision {
  const { state, migration, partner, now } = inputs;
  const customer = state.customer?.value;
  const subscriptions = subscriptionsOf(state);
  const toChanges = (outcome: MigrationOutcome): Change[] =>
    outcomeChanges(
      { migrations: [outcome], subscriptionChanges: outcome.subscriptionChanges },
      (id) => subscriptions.get(id),
      { at: toIso(now), by: SYSTEM_ACTOR },
    );
  const fail = (reason: string): Decision => {
    const outcome = failMigration(migration, reason, now);
    return { outcome, changes: toChanges(outcome) };
  };
  if (partner === undefined || customer === undefined) {
    return fail(
      `${missingParties(migration, partner, customer).join("; ")}, then submit the migration again`,
    );
  }
  const outcome = decideMigration({
    migration,
    partner,
    customer,
    subscriptions: [...subscriptions.values()],
    offers: inputs.offers,
    relationships: valuesOf(state.relationships),
    otherMigrations: valuesOf(state.migrations),
    midtermLicenseTransfers: inputs.midtermLicenseTransfers,
    ordersInPartnerCenter: inputs.ordersInPartnerCenter,
    now,
  });
  const changes = toChanges(outcome);
  const problem = changesProblem(changes);
  if (problem === undefined) return { outcome, changes };
  // Past one transaction the decision cannot be stored whole.
  return fail(
    `Deciding its ${migration.request.length} line items takes ${problem}, more than one transaction holds; submit the items as several smaller migrations`,
  );
}
