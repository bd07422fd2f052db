/**
 * A real pipeline runtime for processor and sweep tests: Azurite tables under the test file's own
 * prefix, a clock the test moves, the reference cache, and the settings the config requires. Plus
 * builders for the world (partners, customers, subscriptions, offers), for what the intake stores,
 * for queue messages, and for reading a partition back whole.
 */
import { odata } from "@azure/data-tables";
import { InvocationContext } from "@azure/functions";
import { beforeAll } from "vitest";

import { resetConfigForTests } from "../../../shared/config.js";
import type {
  Customer,
  MigrationItemRequest,
  Offer,
  Partner,
  Subscription,
} from "../../../shared/domain/index.js";
import type { EventEnvelope } from "../../../shared/events/catalogue.js";
import {
  eventsCarried,
  type MigrationMessage,
  type CustomerRelationshipMessage,
} from "../../../shared/messaging/messages.js";
import { ReferenceCache } from "../../../shared/pipeline/referenceCache.js";
import { resetRuntime, setRuntimeForTests } from "../../../shared/pipeline/runtime.js";
import {
  appendHistory,
  blankCustomerState,
  commit,
  createTableStore,
  loadCustomerState,
  put,
  putOffer,
  putPartner,
  readHistory,
  resetTableStoreForTests,
  type HistoryRecord,
  type TableStore,
  type TableStoreOptions,
} from "../../../shared/storage/index.js";
import { aCustomer, anOffer, aPartner, aSubscription, NOW } from "../../setup/records.js";
import { tablesConnection, tablesPrefixFor, uniqueId } from "../../setup/tables.js";

import { callerSettings } from "../../setup/callers.js";

export {
  aCustomer,
  anOffer,
  aPartner,
  aSubscription,
  NOW,
  TERM_END,
  TERM_START,
} from "../../setup/records.js";

const SETTINGS = {
  // Required by the config; these tests call handlers directly and send nothing.
  ServiceBusConnection:
    "Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true;",
};

export interface Clock {
  now: Date;
}

export interface PipelineWorld {
  readonly store: TableStore;
  readonly clock: Clock;
  /** The events the relay sent, in order (the partner-events queue is not used here). */
  readonly sentEvents: EventEnvelope[];
}

/**
 * Points the process's runtime at the file's tables, with a clock the test sets. `tables` gives a
 * test tables of its own (the file's prefix plus that suffix), for tests that read a whole table.
 */
export function usePipelineRuntime(
  fileUrl: string,
  options: Omit<TableStoreOptions, "connection" | "prefix"> & {
    env?: Record<string, string>;
    tables?: string;
  } = {},
): PipelineWorld {
  const { env, tables, ...storeOptions } = options;
  const prefix = `${tablesPrefixFor(fileUrl)}${tables ?? ""}`;
  Object.assign(
    process.env,
    SETTINGS,
    callerSettings(),
    { TABLES_CONNECTION: tablesConnection(), TABLES_PREFIX: prefix },
    env,
  );
  resetConfigForTests();
  resetTableStoreForTests();
  resetRuntime();
  const store = createTableStore({
    connection: { kind: "connection-string", connectionString: tablesConnection() },
    prefix,
    ...storeOptions,
  });
  const clock: Clock = { now: new Date(NOW) };
  const sentEvents: EventEnvelope[] = [];
  setRuntimeForTests({
    store,
    reference: new ReferenceCache(store),
    now: () => new Date(clock.now),
    send: () => Promise.reject(new Error("the processors and the sweep send nothing")),
    sendSweeps: () => Promise.reject(new Error("these tests queue no sweep")),
    sendEvents: (messages) => {
      for (const { message } of messages) sentEvents.push(...eventsCarried(message));
      return Promise.resolve();
    },
  });
  return { store, clock, sentEvents };
}

/**
 * usePipelineRuntime, and the offer catalogue stored, before the file's tests. Read `store` and
 * `clock` inside tests, once it has started.
 */
export function usePipelineWorld(
  fileUrl: string,
  options: Parameters<typeof usePipelineRuntime>[1] = {},
): PipelineWorld {
  let world: PipelineWorld | undefined;
  beforeAll(async () => {
    world = usePipelineRuntime(fileUrl, options);
    await putCatalogue(world.store);
  });
  const started = () => {
    if (world === undefined) throw new Error("the world starts in beforeAll: use it inside a test");
    return world;
  };
  return {
    get store() {
      return started().store;
    },
    get clock() {
      return started().clock;
    },
    get sentEvents() {
      return started().sentEvents;
    },
  };
}

// ---- the world ----------------------------------------------------------------------------------

export const CATALOGUE: readonly Offer[] = [
  anOffer("o365-e3"),
  anOffer("o365-e5"),
  anOffer("o365-old", { discontinued: true, equivalentOfferIds: ["o365-new"] }),
  anOffer("o365-new"),
];

export async function putCatalogue(store: TableStore): Promise<void> {
  await Promise.all(CATALOGUE.map((offer) => putOffer(store, offer)));
}

/** A partner (stored unless `store: false`), a customer with subscriptions; ids unique to the test. */
export async function seedWorld(
  store: TableStore,
  options: {
    partner?: Partial<Partner> | false;
    customer?: Partial<Customer> | false;
    subscriptions?: (customerId: string) => Subscription[];
    /** An id of the test's own, to give several customers one partner. */
    partnerId?: string;
  } = {},
): Promise<{ partnerId: string; customerId: string }> {
  const partnerId = options.partnerId ?? uniqueId("partner");
  const customerId = uniqueId("cust");
  if (options.partner !== false) await putPartner(store, aPartner(partnerId, options.partner));
  const subscriptions = options.subscriptions?.(customerId) ?? [aSubscription(customerId, "sub-1")];
  await commit(store, await loadCustomerState(store, customerId), [
    ...(options.customer === false ? [] : [put.customer(aCustomer(customerId, options.customer))]),
    ...subscriptions.map((subscription) => put.subscription(subscription)),
  ]);
  return { partnerId, customerId };
}

// ---- what the intake stores ---------------------------------------------------------------------

export async function submitRelationship(
  store: TableStore,
  ids: { partnerId: string; customerId: string },
  overrides: { id?: string; delegatedAdmin?: boolean; role?: string; at?: string } = {},
): Promise<string> {
  const id = overrides.id ?? uniqueId("rel");
  const at = overrides.at ?? NOW;
  await commit(store, blankCustomerState(ids.customerId), [
    put.relationship({
      id,
      partnerId: ids.partnerId,
      customerId: ids.customerId,
      status: "submitted",
      delegatedAdmin: overrides.delegatedAdmin ?? true,
      requestedBy: { userId: "alice@partner.example", role: overrides.role ?? "global-admin" },
      createdAt: at,
      updatedAt: at,
      violations: [],
    }),
    appendHistory(
      { kind: "relationship", id },
      { at, by: "alice@partner.example", from: null, to: "submitted", rules: [] },
    ),
  ]);
  return id;
}

export async function submitMigration(
  store: TableStore,
  ids: { partnerId: string; customerId: string },
  request: MigrationItemRequest[] = [{ subscriptionId: "sub-1", cancelOriginal: "at-term-end" }],
  overrides: { id?: string; role?: string; at?: string } = {},
): Promise<string> {
  const id = overrides.id ?? uniqueId("mig");
  const at = overrides.at ?? NOW;
  await commit(store, blankCustomerState(ids.customerId), [
    put.migration({
      id,
      partnerId: ids.partnerId,
      customerId: ids.customerId,
      requestedBy: { userId: "bob@partner.example", role: overrides.role ?? "account-admin" },
      status: "submitted",
      relationshipId: null,
      request,
      items: [],
      violations: [],
      createdAt: at,
      updatedAt: at,
    }),
    appendHistory(
      { kind: "migration", id },
      { at, by: "bob@partner.example", from: null, to: "submitted", rules: [] },
    ),
  ]);
  return id;
}

// ---- messages and invocation --------------------------------------------------------------------

export function relationshipRequest(customerId: string, relationshipId: string): CustomerRelationshipMessage {
  return {
    schemaVersion: 1,
    requestId: relationshipId,
    customerId,
    type: "relationship-request",
    relationshipId,
  };
}

export function relationshipAnswer(
  customerId: string,
  relationshipId: string,
  answer: "accept" | "decline",
  reason?: string,
): CustomerRelationshipMessage {
  return {
    schemaVersion: 1,
    requestId: `answer-${relationshipId}`,
    customerId,
    type: "relationship-answer",
    relationshipId,
    answer,
    customerUserId: "carol@customer.example",
    ...(reason === undefined ? {} : { reason }),
  };
}

export function migrationRequest(customerId: string, migrationId: string): MigrationMessage {
  return { schemaVersion: 1, requestId: migrationId, customerId, type: "migration-request", migrationId };
}

export interface LoggedContext {
  readonly context: InvocationContext;
  readonly lines: { level: string; text: string }[];
}

/** A real InvocationContext whose log lines the test can read. */
export function invocation(functionName: string): LoggedContext {
  const lines: { level: string; text: string }[] = [];
  const context = new InvocationContext({
    functionName,
    invocationId: uniqueId("invocation"),
    logHandler: (level, ...args) => lines.push({ level, text: args.map(String).join(" ") }),
  });
  return { context, lines };
}

// ---- reading back -------------------------------------------------------------------------------

/** Every row of a customer's partition (state, history, version), without the service's timestamps and ETags. */
export async function partitionRows(
  store: TableStore,
  customerId: string,
): Promise<Record<string, unknown>[]> {
  const client = await store.table("customers");
  const rows: Record<string, unknown>[] = [];
  for await (const entity of client.listEntities({
    queryOptions: { filter: odata`PartitionKey eq ${customerId}` },
  })) {
    const { etag: _etag, timestamp: _timestamp, ...rest } = entity;
    rows.push(rest);
  }
  return rows;
}

/** Every row of a table under the store's prefix, without timestamps and ETags. */
export async function tableRows(
  store: TableStore,
  table: "customers" | "indexes",
): Promise<Record<string, unknown>[]> {
  const client = await store.table(table);
  const rows: Record<string, unknown>[] = [];
  for await (const entity of client.listEntities()) {
    const { etag: _etag, timestamp: _timestamp, ...rest } = entity;
    rows.push(rest);
  }
  return rows;
}

/** An entity's history as `from → to` steps, line items' tagged with their subscription id. */
export async function historySteps(
  store: TableStore,
  customerId: string,
  entity: { kind: "relationship" | "migration" | "subscription"; id: string },
): Promise<string[]> {
  return (await readHistory(store, customerId, entity)).map(stepOf);
}

function stepOf(record: HistoryRecord): string {
  const item = record.lineItem === undefined ? "" : `${record.lineItem}: `;
  return `${item}${record.from ?? "null"} → ${record.to}`;
}
