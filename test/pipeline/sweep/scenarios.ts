/** Customers in the states the sweep moves, built through the real processors. */
import type { MigrationItemRequest, Subscription } from "../../../shared/domain/index.js";
import { processMigration } from "../../../shared/pipeline/processMigration.js";
import { processRelationship } from "../../../shared/pipeline/processRelationship.js";
import type { TableStore } from "../../../shared/storage/index.js";
import {
  migrationRequest,
  relationshipAnswer,
  relationshipRequest,
  seedWorld,
  submitMigration,
  submitRelationship,
} from "../processors/support.js";

export interface Scenario {
  readonly partnerId: string;
  readonly customerId: string;
  readonly relationshipId: string;
  readonly migrationId: string;
}

/** A customer whose migration was decided under an active relationship (awaiting-term-end by default). */
export async function migratingCustomer(
  store: TableStore,
  options: { subscriptions?: (customerId: string) => Subscription[]; request?: MigrationItemRequest[] } = {},
): Promise<Scenario> {
  const ids = await seedWorld(
    store,
    options.subscriptions === undefined ? {} : { subscriptions: options.subscriptions },
  );
  const relationshipId = await submitRelationship(store, ids);
  await processRelationship(relationshipRequest(ids.customerId, relationshipId));
  await processRelationship(relationshipAnswer(ids.customerId, relationshipId, "accept"));
  const migrationId = await submitMigration(store, ids, options.request);
  await processMigration(migrationRequest(ids.customerId, migrationId));
  return { ...ids, relationshipId, migrationId };
}

/** A customer with an unanswered invitation and a migration waiting on it. */
export async function waitingCustomer(store: TableStore): Promise<Scenario> {
  const ids = await seedWorld(store);
  const relationshipId = await submitRelationship(store, ids);
  await processRelationship(relationshipRequest(ids.customerId, relationshipId));
  const migrationId = await submitMigration(store, ids);
  await processMigration(migrationRequest(ids.customerId, migrationId));
  return { ...ids, relationshipId, migrationId };
}
