/**
 * Writes a decision's changes to one customer partition as ONE entity-group transaction:
 * - an entity the state held is replaced with its ETag (412 if anyone wrote it since the load);
 *   one it did not hold is inserted (409 if it exists after all);
 * - history rows are inserted, keyed by the entity's new revision;
 * - the partition's version row is written too (with its ETag) when the state was loaded, so two
 *   decisions on one customer can never both commit, even when they touch different rows.
 * Index entries are written before the transaction and removed after it (see indexPlan.ts); with
 *   `deferDueEntries` (the migration processor) the due entries go after it, with the map rows.
 * - the events the commit raises (one per relationship / migration / line-item status step, see
 *   shared/events/outbox.ts) are inserted as ONE outbox row in the same transaction (one operation
 *   whatever their number), each entity's event counters on its own row, and an `outbox|` index
 *   entry points the relay timer at them — unless the commit's trigger does (CommitOptions).
 *
 * More than 100 operations (or 4 MiB) is refused, never split: a split would let a reader see half a
 * decision. Line items live inside their migration row and a decision touches a handful of rows, so
 * a real decision stays far below the limit; hitting it is a bug to fix, not a case to handle.
 */
import type { TransactionAction } from "@azure/data-tables";
import type { z } from "zod";

import type { Invitation } from "../domain/model.js";
import type { EventEnvelope } from "../events/catalogue.js";
import { planOutbox, type EventCounters, type StatusStep } from "../events/outbox.js";
import { EVENT_COUNTERS, STATE_SCHEMAS, type CustomerState, type StoredEntity } from "./customerState.js";
import { submitEntityGroup } from "./entityGroup.js";
import {
  historyRecordSchema,
  type Change,
  type EntityPut,
  type HistoryAppend,
  type HistoryRow,
} from "./changes.js";
import { buildEntity, type WritableEntity } from "./entityIo.js";
import {
  InvalidChangesError,
  TransactionTooLargeError,
  WriteConflictError,
  isRestError,
  statusOf,
} from "./errors.js";
import { deriveReadModels, standingReadModels } from "./customerMap.js";
import {
  planIndexes,
  type IndexEntry,
  type IndexedChange,
  type IndexKey,
  type IndexPlan,
} from "./indexPlan.js";
import { applyIndexChanges, writeIndexEntries } from "./indexes.js";
import {
  historyRowKey,
  MAP_PREFIX,
  outboxIndexKeys,
  outboxRowKey,
  stateRowKey,
  VERSION_ROW,
  type StateKind,
} from "./keys.js";
import type { TableStore } from "./tableStore.js";
import { operationBytes, transactionProblem } from "./transactionFit.js";

export interface CommitPlan {
  readonly actions: readonly TransactionAction[];
  readonly index: IndexPlan;
  /** Read-model entries (the customer map) the state after the commit stands for, written after it. */
  readonly readModels: readonly IndexEntry[];
  readonly outbox: CommittedOutbox | undefined;
}

/** The events a commit raised (in its customer's outbox unless `eventRows` was false), for the relay. */
export interface CommittedOutbox {
  readonly customerId: string;
  readonly events: readonly EventEnvelope[];
  /** Their outbox row in the customer partition; undefined when the commit wrote none (`eventRows`). */
  readonly rowKey: string | undefined;
  /** The `outbox|` index entry written for them; none when the commit's trigger stands in for it. */
  readonly indexKey: IndexKey | undefined;
}

export interface CommitReceipt {
  /** Operations in the customer transaction; 0 when the changes changed nothing (no round trip). */
  readonly operations: number;
  readonly indexWrites: number;
  readonly indexRemovals: number;
  /** Customer-map entries written after the transaction (customerMap.ts). */
  readonly readModelWrites: number;
  /**
   * Index removals or map writes that failed after the commit stood: readers clean such index
   * entries later, and the customer's next commit rewrites its map entries.
   */
  readonly cleanupErrors: readonly unknown[];
  /** The events the commit raised, now in the outbox; undefined when it raised none. */
  readonly outbox?: CommittedOutbox | undefined;
  /**
   * With `deferDueEntries`: why the due entries written after the transaction may be missing. The
   * message's redelivery must rewrite them (rewriteStandingIndexes), so its handler must not settle.
   */
  readonly deferredError?: unknown;
}

export interface CommitOptions {
  /**
   * Rows of the storage layer's own that go into the same transaction, built for the customers
   * table (e.g. a submission's Idempotency-Key claim, submissionClaim.ts); only with changes.
   */
  readonly ownRows?: (table: string) => readonly TransactionAction[];
  /**
   * Whether an `outbox|` index entry leads the relay timer to this commit's events (default true).
   * False when the commit's trigger does that instead: a queue message that is not settled until
   * its relay succeeded, whose redelivery reloads the partition and relays what is left
   * (relay.ts relayOrRetry), or an intake whose processing message does the same.
   */
  readonly outboxPointer?: boolean;
  /**
   * False: no outbox row; the events are in the receipt only, and the caller must send them or be
   * able to send them again from the history rows (a queue message whose redelivery does: relay.ts
   * withMessageCommit). Default true.
   */
  readonly eventRows?: boolean;
  /**
   * Outbox rows deleted in the same transaction: already sent, or sent after it and again from history
   * by a redelivery (relay.ts withMessageCommit); one gone since the load is a conflict.
   */
  readonly clearOutboxRows?: readonly string[];
  /**
   * Writes the due entries (in the partners' map partitions) after the transaction, in one batch
   * with the customer-map rows, instead of before it: for a queue message whose redelivery rewrites
   * them when this write fails or the process dies first (receipt.deferredError).
   */
  readonly deferDueEntries?: boolean;
}

/**
 * Commits changes decided on `state`. Throws WriteConflictError on 409/412 (a racing writer: reload
 * and decide again — withCustomerPartition does), InvalidChangesError / TransactionTooLargeError /
 * EntityLimitError before anything is written.
 *
 * Round trips: 0 when nothing changed; else 1 for the transaction, plus 1 per index partition
 * written before it (in parallel) and 1 per index partition cleaned after it.
 */
export async function commit(
  store: TableStore,
  state: CustomerState,
  changes: readonly Change[],
  options: CommitOptions = {},
): Promise<CommitReceipt> {
  const client = await store.table("customers");
  const plan = planCommit(client.tableName, state, changes, options);
  if (plan.actions.length === 0) {
    return { operations: 0, indexWrites: 0, indexRemovals: 0, readModelWrites: 0, cleanupErrors: [] };
  }
  const defer = options.deferDueEntries === true;
  const deferred = defer ? plan.index.writes.filter((entry) => isMapPartition(entry.partitionKey)) : [];
  const before = defer ? plan.index.writes.filter((entry) => !deferred.includes(entry)) : plan.index.writes;
  await writeIndexEntries(store, before);
  try {
    await submitEntityGroup(client, [...plan.actions]);
  } catch (error) {
    const status = statusOf(error);
    // 404: an outbox row to clear went since the load (a relay cleared it): reload, as for a race.
    const gone = status === 404 && (options.clearOutboxRows ?? []).length > 0;
    if (isRestError(error) && (status === 409 || status === 412 || gone)) {
      throw new WriteConflictError(state.customerId, status, error);
    }
    throw error;
  }
  // After the transaction: removals of what it made obsolete, and the read models of what it made,
  // one batch per index partition (a partner's map row and due entries share one).
  let deferredError: unknown;
  const cleanupErrors: unknown[] = [];
  try {
    await applyIndexChanges(store, [...deferred, ...plan.readModels], plan.index.removals);
  } catch (error) {
    cleanupErrors.push(error);
    if (deferred.length > 0) deferredError = error;
  }
  return {
    operations: plan.actions.length,
    indexWrites: plan.index.writes.length,
    readModelWrites: plan.readModels.length,
    indexRemovals: plan.index.removals.length,
    cleanupErrors,
    outbox: plan.outbox,
    ...(deferredError === undefined ? {} : { deferredError }),
  };
}

/**
 * Rewrites (upserts) every index entry and customer-map row a loaded state stands for: what a
 * redelivered queue message does when its commit stood but the writes after it may not have landed
 * (`deferDueEntries`). Round trips: 1 per index partition (a partner's map and due rows are one).
 */
export async function rewriteStandingIndexes(store: TableStore, state: CustomerState): Promise<number> {
  const indexed: IndexedChange[] = [
    ...[...state.relationships.values()].map((entry): IndexedChange => ({
      kind: "relationship",
      before: undefined,
      after: entry.value,
    })),
    ...[...state.migrations.values()].map((entry): IndexedChange => ({
      kind: "migration",
      before: undefined,
      after: entry.value,
    })),
  ];
  // As if each entity were new: every entry it calls for (by-id and due), as upserts.
  const entries = [...planIndexes(state.customerId, indexed).writes, ...standingReadModels(state)];
  await applyIndexChanges(store, entries, []);
  return entries.length;
}

function isMapPartition(partitionKey: string): boolean {
  return partitionKey.startsWith(MAP_PREFIX);
}

/** The transaction and index changes for `changes` on `state`; validates everything first. */
export function planCommit(
  table: string,
  state: CustomerState,
  changes: readonly Change[],
  { ownRows, outboxPointer = true, eventRows = true, clearOutboxRows = [] }: CommitOptions = {},
): CommitPlan {
  const { customerId } = state;
  const problems: string[] = [];
  const puts = changes.filter((change): change is EntityPut => change.kind !== "history");
  const histories = changes.filter((change): change is HistoryAppend => change.kind === "history");
  const withHistory = new Set(histories.map((change) => `${change.entity.kind}|${change.entity.id}`));
  const outbox = outboxOf(state, puts, histories);

  const actions: TransactionAction[] = [];
  const revisions = new Map<string, number>();
  const indexed: IndexedChange[] = [];
  const rowKeys = new Set<string>();
  for (const change of puts) {
    const parsed = STATE_SCHEMAS[change.kind].safeParse(change.value);
    if (!parsed.success) {
      problems.push(`${change.kind}: ${issuesText(parsed.error)}`);
      continue;
    }
    const value = parsed.data as Record<string, unknown> & { id: string };
    const owner = change.kind === "customer" ? value.id : value.customerId;
    if (owner !== customerId) {
      problems.push(`${change.kind} "${value.id}" belongs to customer "${String(owner)}"`);
      continue;
    }
    if (state.version.tracked && !state.loaded.has(change.kind)) {
      problems.push(
        `${change.kind} "${value.id}": that kind was not loaded, so it cannot be written from this state`,
      );
      continue;
    }
    const rowKey = stateRowKey(change.kind, value.id);
    if (rowKeys.has(rowKey)) {
      problems.push(`${change.kind} "${value.id}" is put twice`);
      continue;
    }
    rowKeys.add(rowKey);
    const existing = storedOf(state, change.kind, value.id);
    const entityKey = `${change.kind}|${value.id}`;
    if (existing !== undefined && !withHistory.has(entityKey) && sameValue(existing.value, value)) continue;
    const revision = (existing?.revision ?? 0) + 1;
    revisions.set(entityKey, revision);
    const counters = outbox.counters.get(entityKey) ?? existing?.events;
    const entity = buildEntity(table, customerId, rowKey, value, {
      _rev: revision,
      ...(counters === undefined ? {} : { [EVENT_COUNTERS]: JSON.stringify(counters) }),
    });
    actions.push(
      existing === undefined ? ["create", entity] : ["update", entity, "Replace", { etag: existing.etag }],
    );
    if (change.kind === "relationship" || change.kind === "migration") {
      indexed.push({ kind: change.kind, before: existing?.value, after: value } as IndexedChange);
    }
  }

  // One history row per entity the commit steps, holding its changes in order.
  const historyRows = new Map<string, { readonly rowKey: string; readonly row: HistoryRow }>();
  for (const change of histories) {
    const entityKey = `${change.entity.kind}|${change.entity.id}`;
    const revision = revisions.get(entityKey);
    if (revision === undefined) {
      problems.push(
        `history for ${change.entity.kind} "${change.entity.id}", which this commit does not put`,
      );
      continue;
    }
    const record = historyRecordSchema.safeParse({
      ...change.entry,
      entityKind: change.entity.kind,
      entityId: change.entity.id,
      lineItem: change.lineItem,
    });
    if (!record.success) {
      problems.push(`history for ${entityKey}: ${issuesText(record.error)}`);
      continue;
    }
    const { entityKind, entityId, ...entry } = record.data;
    const group = historyRows.get(entityKey);
    if (group === undefined) {
      const rowKey = historyRowKey(entityKind, entityId, revision, 0);
      historyRows.set(entityKey, { rowKey, row: { entityKind, entityId, entries: [entry] } });
    } else {
      group.row.entries.push(entry);
    }
  }
  for (const { rowKey, row } of historyRows.values()) {
    actions.push(["create", buildEntity(table, customerId, rowKey, row)]);
  }
  if (problems.length > 0) throw new InvalidChangesError(customerId, problems);
  if (actions.length === 0) {
    return { actions, index: { writes: [], removals: [] }, readModels: [], outbox: undefined };
  }

  const [first] = outbox.events;
  const rowKey = first === undefined || !eventRows ? undefined : outboxRowKey(first.id);
  if (rowKey !== undefined) {
    actions.push(["create", buildEntity(table, customerId, rowKey, { events: outbox.events })]);
  }
  for (const sent of clearOutboxRows) actions.push(["delete", { partitionKey: customerId, rowKey: sent }]);
  if (state.version.tracked) actions.unshift(versionAction(table, customerId, state.version));
  if (ownRows !== undefined) actions.push(...ownRows(table));
  checkTransactionSize(customerId, actions);
  const index = planIndexes(customerId, indexed);
  const readModels = deriveReadModels(state, valuesAfter(state, puts));
  if (first === undefined) return { actions, index, readModels, outbox: undefined };
  if (!outboxPointer || rowKey === undefined) {
    return {
      actions,
      index,
      readModels,
      outbox: { customerId, events: outbox.events, rowKey, indexKey: undefined },
    };
  }
  const indexKey = outboxIndexKeys(customerId, first.id);
  return {
    actions,
    index: { ...index, writes: [...index.writes, { ...indexKey, fields: { customerId } }] },
    readModels,
    outbox: { customerId, events: outbox.events, rowKey, indexKey },
  };
}

/** The state's values with the puts applied: what the customer is after the commit. */
function valuesAfter(state: CustomerState, puts: readonly EntityPut[]) {
  const values = <T extends { id: string }>(
    stored: ReadonlyMap<string, { readonly value: T }>,
    kind: EntityPut["kind"],
  ): T[] => {
    const byId = new Map([...stored].map(([id, entry]) => [id, entry.value] as const));
    for (const change of puts)
      if (change.kind === kind) byId.set(change.value.id, change.value as unknown as T);
    return [...byId.values()];
  };
  return {
    subscriptions: values(state.subscriptions, "subscription"),
    relationships: values(state.relationships, "relationship"),
    migrations: values(state.migrations, "migration"),
  };
}

/** The events of the commit's relationship and migration status steps (see shared/events/outbox.ts). */
function outboxOf(state: CustomerState, puts: readonly EntityPut[], histories: readonly HistoryAppend[]) {
  const partners = new Map<string, string>();
  const invitations = new Map<string, Invitation>();
  for (const change of puts) {
    if (change.kind === "relationship" || change.kind === "migration") {
      partners.set(`${change.kind}|${change.value.id}`, change.value.partnerId);
    }
    if (change.kind === "relationship" && change.value.invitation !== undefined) {
      invitations.set(change.value.id, change.value.invitation);
    }
  }
  const steps: StatusStep[] = [];
  for (const change of histories) {
    const { kind, id } = change.entity;
    // A step of an entity this commit does not put is refused below; it raises nothing.
    if ((kind === "relationship" || kind === "migration") && partners.has(`${kind}|${id}`)) {
      const invitation = kind === "relationship" ? invitations.get(id) : undefined;
      steps.push({ entity: { kind, id }, lineItem: change.lineItem, entry: change.entry, invitation });
    }
  }
  return planOutbox(
    state.customerId,
    steps,
    (kind, id) => partners.get(`${kind}|${id}`) ?? "",
    (kind, id): EventCounters => storedOf(state, kind, id)?.events ?? {},
  );
}

function versionAction(
  table: string,
  customerId: string,
  version: Extract<CustomerState["version"], { tracked: true }>,
): TransactionAction {
  const entity = buildEntity(table, customerId, VERSION_ROW, {}, { _version: version.value + 1 });
  return version.etag === undefined
    ? ["create", entity]
    : ["update", entity, "Replace", { etag: version.etag }];
}

function checkTransactionSize(customerId: string, actions: readonly TransactionAction[]): void {
  const bytes = actions.reduce(
    (sum, [, entity]) => sum + operationBytes(JSON.stringify(entity as WritableEntity)),
    0,
  );
  const problem = transactionProblem({ operations: actions.length, bytes });
  if (problem !== undefined) throw new TransactionTooLargeError(customerId, problem);
}

function storedOf(
  state: CustomerState,
  kind: StateKind,
  id: string,
): StoredEntity<Record<string, unknown>> | undefined {
  switch (kind) {
    case "customer":
      return state.customer;
    case "subscription":
      return state.subscriptions.get(id);
    case "relationship":
      return state.relationships.get(id);
    case "migration":
      return state.migrations.get(id);
  }
}

function issuesText(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
}

/** Both went through the same schema, so equal values serialise equally. */
function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
