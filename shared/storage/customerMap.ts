/**
 * The customer map: for each partner, one summary per customer it has a relationship or migration
 * with — relationship state, migrations by status, subscriptions by channel, the next term end and
 * what needs a person — kept in the `indexes` table under `map|<partnerId>`, row `<customerId>`, so
 * a page of a partner's customers is one single-partition query, not a scan of every customer.
 *
 * Derived by the commit (deriveReadModels) from the customer's state after it, and written once the
 * transaction stands: an entry never shows what did not commit. It carries the partition `version`
 * it summarises. A process dying between the transaction and the write leaves the previous summary
 * until the customer's next commit (see shared/storage/README.md). Blind inserts (the intake's
 * `submitted` rows) derive nothing: the processor's decision right after them does.
 */
import type { TableEntityResultPage } from "@azure/data-tables";
import { z } from "zod";

import {
  channelSchema,
  idSchema,
  isoTimeSchema,
  MIGRATION_STATUSES,
  RELATIONSHIP_STATUSES,
  type Migration,
  type Relationship,
  type Subscription,
} from "../domain/model.js";
import type { CustomerState } from "./customerState.js";
import { decodeEntity } from "./entityCodec.js";
import { addressOf, quote } from "./entityIo.js";
import type { IndexEntry } from "./indexPlan.js";
import { MAP_PREFIX, MAP_ROWS_BEFORE, mapPartition, normalizeTime } from "./keys.js";
import type { TableStore } from "./tableStore.js";

export { MAP_PREFIX };
/** An invitation unanswered this long needs a person (the partner follows it up). */
export const INVITATION_FOLLOW_UP_DAYS = 14;

/** Best first: the relationship that says most about where the partner stands. */
const STANDING: readonly Relationship["status"][] = [
  "active",
  "pending",
  "submitted",
  "declined",
  "expired",
  "removed",
  "rejected",
];

export const customerSummarySchema = z.object({
  customerId: idSchema,
  partnerId: idSchema,
  relationship: z.enum(["none", ...RELATIONSHIP_STATUSES]),
  delegatedAdmin: z.boolean(),
  /** When the pending invitation was sent; absent unless the relationship is pending. */
  pendingSince: isoTimeSchema.optional(),
  migrations: z.partialRecord(z.enum(MIGRATION_STATUSES), z.number().int()),
  subscriptions: z.partialRecord(channelSchema, z.number().int()),
  /** The earliest term end of the customer's active subscriptions. */
  nextTermEnd: isoTimeSchema.optional(),
  /** MIG-3: items whose credit the partner may ask Microsoft 365 billing support for. */
  creditsToClaim: z.number().int(),
  /** MIG-6: provisioned items whose licences must be reassigned to the users. */
  licencesToReassign: z.number().int(),
  /** The customer partition's version this summarises. */
  version: z.number().int(),
});
export type CustomerSummary = z.infer<typeof customerSummarySchema>;

/** Each partner's summary of a customer, from its state's values. Pure. */
export function summarizeCustomer(
  values: {
    customerId: string;
    subscriptions: readonly Subscription[];
    relationships: readonly Relationship[];
    migrations: readonly Migration[];
  },
  version: number,
): CustomerSummary[] {
  const partners = new Set([
    ...values.relationships.map((relationship) => relationship.partnerId),
    ...values.migrations.map((migration) => migration.partnerId),
  ]);
  const active = values.subscriptions.filter((subscription) => subscription.status === "active");
  const subscriptions: Partial<Record<Subscription["channel"], number>> = {};
  for (const subscription of active) {
    subscriptions[subscription.channel] = (subscriptions[subscription.channel] ?? 0) + 1;
  }
  const nextTermEnd = active.map((subscription) => normalizeTime(subscription.termEnd)).sort()[0];
  return [...partners].sort().map((partnerId) => {
    const own = values.relationships.filter((relationship) => relationship.partnerId === partnerId);
    const best = [...own].sort(
      (a, b) => STANDING.indexOf(a.status) - STANDING.indexOf(b.status) || a.id.localeCompare(b.id),
    )[0];
    const migrations: Partial<Record<Migration["status"], number>> = {};
    let creditsToClaim = 0;
    let licencesToReassign = 0;
    for (const migration of values.migrations.filter((candidate) => candidate.partnerId === partnerId)) {
      migrations[migration.status] = (migrations[migration.status] ?? 0) + 1;
      if (migration.status === "rejected" || migration.status === "failed") continue;
      for (const item of migration.items) {
        if (item.status === "rejected") continue;
        if (item.creditEligibility === "partner-may-request") creditsToClaim += 1;
        if (item.licenseReassignmentRequired && item.status !== "planned") licencesToReassign += 1;
      }
    }
    return {
      customerId: values.customerId,
      partnerId,
      relationship: best?.status ?? "none",
      delegatedAdmin: best?.delegatedAdmin ?? false,
      ...(best?.status === "pending" ? { pendingSince: normalizeTime(best.updatedAt) } : {}),
      migrations,
      subscriptions,
      ...(nextTermEnd === undefined ? {} : { nextTermEnd }),
      creditsToClaim,
      licencesToReassign,
      version,
    };
  });
}

/** What needs a person for a customer, as of `now`. Pure: the time is passed in. */
export type ActionNeeded =
  | { readonly what: "claim-credit"; readonly rule: "MIG-3"; readonly items: number }
  | { readonly what: "reassign-licences"; readonly rule: "MIG-6"; readonly items: number }
  | { readonly what: "follow-up-invitation"; readonly pendingSince: string };

export function actionsNeeded(summary: CustomerSummary, now: Date): ActionNeeded[] {
  const needed: ActionNeeded[] = [];
  if (summary.creditsToClaim > 0) {
    needed.push({ what: "claim-credit", rule: "MIG-3", items: summary.creditsToClaim });
  }
  if (summary.licencesToReassign > 0) {
    needed.push({ what: "reassign-licences", rule: "MIG-6", items: summary.licencesToReassign });
  }
  if (summary.pendingSince !== undefined && summary.pendingSince < followUpBefore(now)) {
    needed.push({ what: "follow-up-invitation", pendingSince: summary.pendingSince });
  }
  return needed;
}

/** Whether a summary needs a person now: a credit to claim, licences to reassign, an invitation long unanswered. */
export function needsAction(summary: CustomerSummary, now: Date): boolean {
  return actionsNeeded(summary, now).length > 0;
}

export function followUpBefore(now: Date): string {
  return new Date(now.getTime() - INVITATION_FOLLOW_UP_DAYS * 86_400_000).toISOString();
}

/**
 * The derivation hook the commit calls: the read-model entries the state after the commit stands
 * for. Only a commit on a fully loaded, tracked state derives them (a blind insert knows too little).
 */
export function deriveReadModels(
  state: CustomerState,
  after: {
    subscriptions: readonly Subscription[];
    relationships: readonly Relationship[];
    migrations: readonly Migration[];
  },
): IndexEntry[] {
  if (!state.version.tracked) return [];
  return mapEntries(summarizeCustomer({ customerId: state.customerId, ...after }, state.version.value + 1));
}

/** The entries a loaded state stands for as it is (no commit): what a redelivered message rewrites. */
export function standingReadModels(state: CustomerState): IndexEntry[] {
  if (!state.version.tracked) return [];
  const values = <T>(entries: ReadonlyMap<string, { readonly value: T }>): T[] =>
    [...entries.values()].map((entry) => entry.value);
  return mapEntries(
    summarizeCustomer(
      {
        customerId: state.customerId,
        subscriptions: values(state.subscriptions),
        relationships: values(state.relationships),
        migrations: values(state.migrations),
      },
      state.version.value,
    ),
  );
}

function mapEntries(summaries: readonly CustomerSummary[]): IndexEntry[] {
  return summaries.map((summary) => {
    const { customerId, partnerId, ...fields } = summary;
    return {
      partitionKey: mapPartition(partnerId),
      rowKey: customerId,
      fields: { customerId, partnerId, ...fields },
    };
  });
}

export interface MapQuery {
  readonly relationship?: CustomerSummary["relationship"];
  /** Only customers that need a person as of `now` (needsAction). */
  readonly needsAction?: boolean;
  /** Only customers whose next term end is before this time. */
  readonly termEndBefore?: string;
  readonly now: Date;
  /** At most this many (1–1,000). */
  readonly limit: number;
  readonly continuationToken?: string;
}

export interface MapPage {
  readonly customers: readonly CustomerSummary[];
  /** Present when there may be more: pass it back for the next page. */
  readonly continuationToken: string | undefined;
}

/**
 * One page of a partner's customer map, filtered by the service (the same conditions as
 * `needsAction`, written as a filter): one single-partition query, one round trip. The page may be
 * shorter than `limit` and still have a token, as Table Storage pages are.
 */
export async function readCustomerMap(
  store: TableStore,
  partnerId: string,
  query: MapQuery,
): Promise<MapPage> {
  const client = await store.table("indexes");
  // The partition's due rows (keys.ts dueKeys) sort after every customer's row: the bound leaves them out.
  const conditions = [
    `PartitionKey eq ${quote(mapPartition(partnerId))} and RowKey lt ${quote(MAP_ROWS_BEFORE)}`,
  ];
  if (query.relationship !== undefined) conditions.push(`relationship eq ${quote(query.relationship)}`);
  if (query.termEndBefore !== undefined) {
    conditions.push(`nextTermEnd lt ${quote(normalizeTime(query.termEndBefore))}`);
  }
  if (query.needsAction === true) {
    conditions.push(
      `(creditsToClaim gt 0 or licencesToReassign gt 0 or pendingSince lt ${quote(followUpBefore(query.now))})`,
    );
  }
  const pages = client.listEntities({ queryOptions: { filter: conditions.join(" and ") } }).byPage({
    maxPageSize: query.limit,
    ...(query.continuationToken === undefined ? {} : { continuationToken: query.continuationToken }),
  });
  const next = await pages.next();
  if (next.done === true) return { customers: [], continuationToken: undefined };
  const page: TableEntityResultPage<Record<string, unknown>> = next.value;
  return {
    customers: page.map((raw) => decodeEntity(customerSummarySchema, addressOf(client, raw), raw)),
    continuationToken: page.continuationToken,
  };
}
