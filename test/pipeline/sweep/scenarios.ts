/** Customers in the states the sweep moves, built through the real processors. */
import {
  MAX_MIGRATION_ITEMS,
  type MigrationItemRequest,
  type Subscription,
} from "../../../shared/domain/index.js";
import { processMigration } from "../../../shared/pipeline/processMigration.js";
import { processRelationship } from "../../../shared/pipeline/processRelationship.js";
import type { TableStore } from "../../../shared/storage/index.js";
import { aSubscription } from "../../setup/records.js";
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
  options: {
    subscriptions?: (customerId: string) => Subscription[];
    request?: MigrationItemRequest[];
    partnerId?: string;
  } = {},
): Promise<Scenario> {
  const ids = await seedWorld(store, {
    ...(options.subscriptions === undefined ? {} : { subscriptions: options.subscriptions }),
    ...(options.partnerId === undefined ? {} : { partnerId: options.partnerId }),
  });
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

/**
 * A customer with `count` licences of another CSP partner, moved at their term end (MC-3) by as many
 * migrations as that takes (each at most MAX_MIGRATION_ITEMS items): a sweep of it needs several
 * transactions. `parts` holds each migration's subscription ids.
 */
export async function migratingCustomerInParts(
  store: TableStore,
  count: number,
): Promise<Scenario & { readonly migrationIds: readonly string[]; readonly parts: readonly string[][] }> {
  const ids = Array.from({ length: count }, (_, index) => `sub-${index}`);
  const parts: string[][] = [];
  for (let start = 0; start < count; start += MAX_MIGRATION_ITEMS) {
    parts.push(ids.slice(start, start + MAX_MIGRATION_ITEMS));
  }
  const request = (part: readonly string[]): MigrationItemRequest[] =>
    part.map((subscriptionId) => ({
      subscriptionId,
      cancelOriginal: "at-term-end" as const,
      startAt: "term-end" as const,
    }));
  const [first = [], ...rest] = parts;
  const scenario = await migratingCustomer(store, {
    subscriptions: (id) =>
      ids.map((subscriptionId) =>
        aSubscription(id, subscriptionId, { channel: "csp", partnerOfRecord: "partner-elsewhere" }),
      ),
    request: request(first),
  });
  const migrationIds = [scenario.migrationId];
  for (const part of rest) {
    const migrationId = await submitMigration(store, scenario, request(part));
    await processMigration(migrationRequest(scenario.customerId, migrationId));
    migrationIds.push(migrationId);
  }
  return { ...scenario, migrationIds, parts };
}
