/**
 * A customer's state: every entity row of its partition in the `customers` table (profile,
 * subscriptions, relationships, migrations with their line items), decoded and validated, each with
 * its ETag and revision — what a decision reads and a commit writes back conditionally.
 */
import type { TableClient } from "@azure/data-tables";
import { z } from "zod";

import type { EventCounters } from "../events/outbox.js";

import {
  customerSchema,
  migrationSchema,
  relationshipSchema,
  subscriptionSchema,
  type Customer,
  type Migration,
  type Relationship,
  type Subscription,
} from "../domain/model.js";
import { decodeEntity } from "./entityCodec.js";
import { addressOf, quote, queryRaw, rangeFilter, type RawEntity, type Stored } from "./entityIo.js";
import { CorruptEntityError } from "./errors.js";
import {
  checkedId,
  OUTBOX_ROWS,
  parseStateRowKey,
  STATE_KINDS,
  STATE_ROWS_AFTER,
  stateKindRange,
  VERSION_ROW,
  type StateKind,
} from "./keys.js";
import { decodeOutboxRow, isOutboxRow, type OutboxRow } from "./outbox.js";
import type { TableStore } from "./tableStore.js";

/** The entity row's metadata property holding its event counters (JSON). */
export const EVENT_COUNTERS = "_events";

/** A stored entity of the customer partition; `revision` counts its writes (history keys use it). */
export interface StoredEntity<T> extends Stored<T> {
  readonly revision: number;
  /** Events raised so far per resource (the outbox's sequences); relationships and migrations only. */
  readonly events?: EventCounters;
}

/**
 * The partition's version row. Every commit from a loaded state writes it with its ETag, so any two
 * decisions on one customer serialise (no write skew between rows). A blank state does not track
 * it: blind inserts do not depend on what else is in the partition.
 */
export type PartitionVersion =
  | { readonly tracked: false }
  | { readonly tracked: true; readonly value: number; readonly etag: string | undefined };

export interface CustomerState {
  readonly customerId: string;
  /** The kinds this state holds; the others were not read, so they cannot be written from it. */
  readonly loaded: ReadonlySet<StateKind>;
  readonly version: PartitionVersion;
  readonly customer: StoredEntity<Customer> | undefined;
  readonly subscriptions: ReadonlyMap<string, StoredEntity<Subscription>>;
  readonly relationships: ReadonlyMap<string, StoredEntity<Relationship>>;
  readonly migrations: ReadonlyMap<string, StoredEntity<Migration>>;
  /**
   * Events committed before this load that no relay has cleared yet (outbox.ts): what
   * a queue processor relays again, since its trigger is their only pointer.
   */
  readonly outbox: readonly OutboxRow[];
}

export interface EntityOfKind {
  customer: Customer;
  subscription: Subscription;
  relationship: Relationship;
  migration: Migration;
}

export const STATE_SCHEMAS: { readonly [K in StateKind]: z.ZodType<EntityOfKind[K]> } = {
  customer: customerSchema,
  subscription: subscriptionSchema,
  relationship: relationshipSchema,
  migration: migrationSchema,
};

export interface LoadOptions {
  /** Load only these kinds (the version row always comes along); default: every kind. */
  readonly kinds?: readonly StateKind[];
}

/**
 * Loads a customer's state, and the outbox rows it holds, with one single-partition query (more
 * round trips only past 1,000 rows, one per page). History rows are outside the queried ranges:
 * reading them is `readHistory`.
 */
export async function loadCustomerState(
  store: TableStore,
  customerId: string,
  options: LoadOptions = {},
): Promise<CustomerState> {
  checkedId("customer", customerId);
  const kinds = options.kinds ?? STATE_KINDS;
  const client = await store.table("customers");
  const partition = `PartitionKey eq ${quote(customerId)}`;
  const outbox = `(${rangeFilter("RowKey", OUTBOX_ROWS)})`;
  const rows =
    options.kinds === undefined
      ? `(RowKey gt ${quote(STATE_ROWS_AFTER)} or ${outbox})`
      : `(${[`RowKey eq ${quote(VERSION_ROW)}`, outbox, ...kinds.map((kind) => `(${rangeFilter("RowKey", stateKindRange(kind))})`)].join(" or ")})`;
  return stateFromRows(
    client,
    customerId,
    new Set(kinds),
    await queryRaw(client, `${partition} and ${rows}`),
  );
}

/** A state with nothing loaded and no version tracking: commits from it may only insert. */
export function blankCustomerState(customerId: string): CustomerState {
  return {
    customerId: checkedId("customer", customerId),
    loaded: new Set(),
    version: { tracked: false },
    customer: undefined,
    subscriptions: new Map(),
    relationships: new Map(),
    migrations: new Map(),
    outbox: [],
  };
}

function stateFromRows(
  client: TableClient,
  customerId: string,
  loaded: ReadonlySet<StateKind>,
  rows: readonly RawEntity[],
): CustomerState {
  let version: PartitionVersion = { tracked: true, value: 0, etag: undefined };
  let customer: StoredEntity<Customer> | undefined;
  const subscriptions = new Map<string, StoredEntity<Subscription>>();
  const relationships = new Map<string, StoredEntity<Relationship>>();
  const migrations = new Map<string, StoredEntity<Migration>>();
  const outbox: OutboxRow[] = [];
  for (const row of rows) {
    if (isOutboxRow(row.rowKey ?? "")) {
      outbox.push(decodeOutboxRow(client, row));
      continue;
    }
    if (row.rowKey === VERSION_ROW) {
      version = { tracked: true, value: integerProperty(client, row, "_version"), etag: row.etag };
      continue;
    }
    const key = parseStateRowKey(row.rowKey ?? "");
    if (key === undefined) {
      throw new CorruptEntityError(addressOf(client, row), ["row key names no known entity kind"]);
    }
    switch (key.kind) {
      case "customer":
        customer = decodeStateRow(client, row, "customer", customerId);
        break;
      case "subscription":
        subscriptions.set(key.id, decodeStateRow(client, row, "subscription", customerId));
        break;
      case "relationship":
        relationships.set(key.id, decodeStateRow(client, row, "relationship", customerId));
        break;
      case "migration":
        migrations.set(key.id, decodeStateRow(client, row, "migration", customerId));
        break;
    }
  }
  return { customerId, loaded, version, customer, subscriptions, relationships, migrations, outbox };
}

/** Decodes one entity row and checks it belongs where it is stored. */
export function decodeStateRow<K extends StateKind>(
  client: TableClient,
  row: RawEntity,
  kind: K,
  customerId: string,
): StoredEntity<EntityOfKind[K]> {
  const address = addressOf(client, row);
  const value = decodeEntity(STATE_SCHEMAS[kind], address, row);
  const problems: string[] = [];
  const owner = kind === "customer" ? (value as Customer).id : (value as { customerId: string }).customerId;
  if (owner !== customerId) problems.push(`belongs to customer "${owner}", stored under "${customerId}"`);
  const key = parseStateRowKey(row.rowKey ?? "");
  if (kind !== "customer" && key?.id !== (value as { id: string }).id) {
    problems.push(`id "${(value as { id: string }).id}" differs from its row key`);
  }
  if (problems.length > 0) throw new CorruptEntityError(address, problems);
  const events = eventCountersOf(client, row);
  return {
    value,
    etag: row.etag,
    revision: integerProperty(client, row, "_rev"),
    ...(events === undefined ? {} : { events }),
  };
}

const eventCountersSchema = z.record(z.string(), z.number().int().min(0));

function eventCountersOf(client: TableClient, row: RawEntity): EventCounters | undefined {
  const raw = row[EVENT_COUNTERS];
  if (raw === undefined) return undefined;
  const parsed = typeof raw === "string" ? eventCountersSchema.safeParse(safeJson(raw)) : undefined;
  if (parsed?.success !== true) {
    throw new CorruptEntityError(addressOf(client, row), [`${EVENT_COUNTERS}: expected JSON counters`]);
  }
  return parsed.data;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function integerProperty(client: TableClient, row: RawEntity, name: string): number {
  const value = row[name];
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new CorruptEntityError(addressOf(client, row), [`${name}: expected a non-negative integer`]);
  }
  return value;
}
