/** Builders for the rules tests: one small, valid world that each case bends in one place. */
import { expect } from "vitest";

import {
  applySubscriptionChanges,
  decideMigration,
  historyEntrySchema,
  type LineItem,
  type Migration,
  type MigrationDecisionInput,
  type MigrationItemRequest,
  type MigrationOutcome,
  migrationSchema,
  type Offer,
  type Partner,
  type Customer,
  type Relationship,
  relationshipSchema,
  type RelationshipOutcome,
  type RuleId,
  type Subscription,
  subscriptionSchema,
  type SweepInput,
  type SweepPlan,
  type Violation,
} from "../../../shared/domain/index.js";
import { aCustomer, aPartner, aSubscription, NOW } from "../../setup/records.js";

export { NOW, TERM_END, TERM_START } from "../../setup/records.js";
/** A term end already behind NOW. */
export const PAST_TERM_END = "2025-02-01T00:00:00.000Z";
export const CREATED = "2025-02-20T00:00:00.000Z";

export function partner(overrides: Partial<Partner> = {}): Partner {
  return aPartner("partner-a", { name: "Fabrikam CSP", ...overrides });
}

export function customer(overrides: Partial<Customer> = {}): Customer {
  return aCustomer("contoso", { name: "Contoso", ...overrides });
}

/** A licence whose purchase channel is not recorded: the rules read it only where a case sets it. */
export function subscription(overrides: Partial<Subscription> = {}): Subscription {
  const { purchasedVia: _unrecorded, ...licence } = aSubscription("contoso", "sub-1");
  return { ...licence, ...overrides };
}

/** A usage (Azure) subscription bought through EA. */
export function azure(overrides: Partial<Subscription> = {}): Subscription {
  const { seats: _seats, ...license } = subscription();
  return {
    ...license,
    id: "azure-1",
    offerId: "azure-plan",
    kind: "usage",
    channel: "ea",
    billingCycle: "monthly",
    ...overrides,
  };
}

export function offer(overrides: Partial<Offer> = {}): Offer {
  return {
    id: "o365-e3",
    name: "Office 365 E3",
    kind: "license",
    discontinued: false,
    equivalentOfferIds: [],
    ...overrides,
  };
}

export const CATALOGUE: Offer[] = [
  offer(),
  offer({ id: "o365-e5", name: "Office 365 E5" }),
  offer({ id: "azure-plan", name: "Azure plan", kind: "usage" }),
];

export function relationship(overrides: Partial<Relationship> = {}): Relationship {
  return {
    id: "rel-a",
    partnerId: "partner-a",
    customerId: "contoso",
    status: "active",
    delegatedAdmin: true,
    requestedBy: { userId: "alice", role: "global-admin" },
    createdAt: CREATED,
    updatedAt: CREATED,
    violations: [],
    ...overrides,
  };
}

export function item(overrides: Partial<MigrationItemRequest> = {}): MigrationItemRequest {
  return { subscriptionId: "sub-1", cancelOriginal: "at-term-end", ...overrides };
}

export function migration(overrides: Partial<Migration> = {}): Migration {
  return {
    id: "mig-1",
    partnerId: "partner-a",
    customerId: "contoso",
    requestedBy: { userId: "bob", role: "account-admin" },
    status: "submitted",
    relationshipId: null,
    request: [item()],
    items: [],
    violations: [],
    createdAt: CREATED,
    updatedAt: CREATED,
    ...overrides,
  };
}

/** The default world: partner A, active relationship, one direct Office 365 subscription. */
export function world(overrides: Partial<MigrationDecisionInput> = {}): MigrationDecisionInput {
  return {
    migration: migration(),
    partner: partner(),
    customer: customer(),
    subscriptions: [subscription(), azure()],
    offers: CATALOGUE,
    relationships: [relationship()],
    otherMigrations: [],
    now: NOW,
    ...overrides,
  };
}

/** Decides in the default world with some requested items, checking every record against its schema. */
export function decide(
  requests: MigrationItemRequest[],
  overrides: Partial<MigrationDecisionInput> = {},
): MigrationOutcome {
  const input = world(overrides);
  const outcome = decideMigration({
    ...input,
    migration: { ...input.migration, request: requests },
  });
  expectValidMigrationOutcome(outcome);
  return outcome;
}

/** The single line item of a one-item decision. */
export function onlyItem(outcome: MigrationOutcome): LineItem {
  expect(outcome.migration.items).toHaveLength(1);
  return outcome.migration.items[0]!;
}

export function rulesIn(violations: readonly Violation[]): RuleId[] {
  return violations.map((found) => found.rule);
}

export function expectValidMigrationOutcome(outcome: MigrationOutcome): void {
  migrationSchema.parse(outcome.migration);
  for (const entry of outcome.history) historyEntrySchema.parse(entry);
  for (const change of outcome.subscriptionChanges) subscriptionSchema.parse(change.subscription);
}

export function expectValidRelationshipOutcome(outcome: RelationshipOutcome): void {
  relationshipSchema.parse(outcome.relationship);
  for (const entry of outcome.history) historyEntrySchema.parse(entry);
}

/** Applies a sweep plan to the sweep's own input, as storage would. */
export function applyPlan(input: SweepInput, plan: SweepPlan): SweepInput {
  const migrations = new Map(
    plan.migrations.map((outcome) => [outcome.migration.id, outcome.migration] as const),
  );
  const relationships = new Map(
    plan.relationships.map((outcome) => [outcome.relationship.id, outcome.relationship] as const),
  );
  return {
    ...input,
    migrations: input.migrations.map((record) => migrations.get(record.id) ?? record),
    relationships: input.relationships.map((record) => relationships.get(record.id) ?? record),
    subscriptions: applySubscriptionChanges(input.subscriptions, plan.subscriptionChanges),
  };
}
