/**
 * Everything one customer answer changes in its partition: the relationship, and the migrations that
 * waited on it (resumed on acceptance, rejected on declination). MP-3: the answer itself changes no
 * subscription; only the resumed migrations of the answering partner do, for their own items.
 */
import type { Customer, Migration, Offer, Partner, Relationship, Subscription } from "../model.js";
import {
  applySubscriptionChanges,
  type MigrationOutcome,
  type RelationshipOutcome,
  type SubscriptionChange,
} from "../outcomes.js";
import { decideMigration } from "./migrations.js";
import { answerRelationship, type RelationshipAnswerInput } from "./relationships.js";

export interface RelationshipAnswerProcessingInput extends RelationshipAnswerInput {
  /** The relationship's partner and customer. */
  partner: Partner;
  customer: Customer;
  /** The customer's subscriptions, relationships (any partner) and migrations (any partner). */
  subscriptions: readonly Subscription[];
  relationships: readonly Relationship[];
  migrations: readonly Migration[];
  /** The catalogue entries the waiting migrations refer to. */
  offers: readonly Offer[];
  /** MC-3: setting MIDTERM_LICENSE_TRANSFERS; absent is its default, off. */
  midtermLicenseTransfers?: boolean;
  /** Live mode: licence items are bought in Partner Center (see MigrationDecisionInput). */
  ordersInPartnerCenter?: boolean;
}

export interface RelationshipAnswerResult {
  relationship: RelationshipOutcome;
  /** The migrations that waited on this relationship (each proceeds or is rejected), in decision order. */
  migrations: MigrationOutcome[];
  /** Every subscription change, from those migrations only. */
  subscriptionChanges: SubscriptionChange[];
}

export function processRelationshipAnswer(
  input: RelationshipAnswerProcessingInput,
): RelationshipAnswerResult {
  const relationship = answerRelationship(input);
  if (!relationship.changed) return { relationship, migrations: [], subscriptionChanges: [] };

  const answered = relationship.relationship;
  const relationships = [...input.relationships.filter((other) => other.id !== answered.id), answered];
  const waiting = input.migrations
    .filter(
      (migration) => migration.status === "awaiting-relationship" && migration.relationshipId === answered.id,
    )
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));

  // Decided one after another, so each sees the subscriptions and claims the previous ones left.
  let migrations = [...input.migrations];
  let subscriptions = [...input.subscriptions];
  const outcomes: MigrationOutcome[] = [];
  const changes: SubscriptionChange[] = [];
  for (const waiter of waiting) {
    const outcome = decideMigration({
      migration: waiter,
      partner: input.partner,
      customer: input.customer,
      subscriptions,
      offers: input.offers,
      relationships,
      otherMigrations: migrations,
      midtermLicenseTransfers: input.midtermLicenseTransfers ?? false,
      ordersInPartnerCenter: input.ordersInPartnerCenter ?? false,
      now: input.now,
    });
    outcomes.push(outcome);
    changes.push(...outcome.subscriptionChanges);
    migrations = migrations.map((migration) => (migration.id === waiter.id ? outcome.migration : migration));
    subscriptions = applySubscriptionChanges(subscriptions, outcome.subscriptionChanges);
  }
  return { relationship, migrations: outcomes, subscriptionChanges: changes };
}
