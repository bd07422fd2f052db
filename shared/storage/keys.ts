/**
 * Every partition and row key the storage layer writes, in one place (README.md has the table).
 * Ids are checked against the model's idSchema (letters, digits, `.`, `_`, `:`, `-`), so `|` can
 * separate key parts unambiguously and no key holds a character Table Storage refuses.
 */
import { createHash } from "node:crypto";

import { idSchema } from "../domain/model.js";

export type StateKind = "customer" | "subscription" | "relationship" | "migration";
export const STATE_KINDS: readonly StateKind[] = ["customer", "subscription", "relationship", "migration"];
/** The entities that have a status, hence a history. */
export type HistoryEntityKind = "subscription" | "relationship" | "migration";

/** Throws unless `id` is a valid model id; returns it for chaining. */
export function checkedId(what: string, id: string): string {
  const parsed = idSchema.safeParse(id);
  if (!parsed.success) {
    throw new Error(`${what} "${id}" is not a valid id: ${parsed.error.issues[0]?.message ?? ""}`);
  }
  return id;
}

// ---- customers table: PartitionKey = customerId ------------------------------------------------

export const PROFILE_ROW = "profile";
/** Bumped by every commit made from a loaded state, so two decisions on one customer serialise. */
export const VERSION_ROW = "version";
const KIND_PREFIX: Readonly<Record<Exclude<StateKind, "customer">, string>> = {
  subscription: "sub|",
  relationship: "rel|",
  migration: "mig|",
};
const HISTORY_PREFIX = "hist|";
const HISTORY_KIND: Readonly<Record<HistoryEntityKind, string>> = {
  subscription: "sub",
  relationship: "rel",
  migration: "mig",
};

export function stateRowKey(kind: StateKind, id: string): string {
  return kind === "customer" ? PROFILE_ROW : `${KIND_PREFIX[kind]}${checkedId(kind, id)}`;
}

/** The kind and id a state row key names, or undefined for rows that are not entities. */
export function parseStateRowKey(rowKey: string): { kind: StateKind; id: string } | undefined {
  if (rowKey === PROFILE_ROW) return { kind: "customer", id: "" };
  for (const [kind, prefix] of Object.entries(KIND_PREFIX) as [Exclude<StateKind, "customer">, string][]) {
    if (rowKey.startsWith(prefix)) return { kind, id: rowKey.slice(prefix.length) };
  }
  return undefined;
}

/** Row keys of one state kind, as a range (the profile is a single row). */
export function stateKindRange(kind: StateKind): KeyRange {
  return kind === "customer" ? { ge: PROFILE_ROW, le: PROFILE_ROW } : prefixRange(KIND_PREFIX[kind]);
}

/**
 * `hist|<kind>|<entityId>|<revision>|<sequence>`: an entity's history is one range, in the order
 * the changes were committed; a commit writes one row per entity (sequence 0) holding its steps. The revision is the entity row's own counter (bumped by every write
 * of it), so keys never collide even when two commits share a clock reading, and a retried commit
 * reuses the same keys.
 */
export function historyRowKey(
  kind: HistoryEntityKind,
  entityId: string,
  revision: number,
  sequence: number,
): string {
  return `${historyPrefix(kind, entityId)}${pad(revision, 10)}|${pad(sequence, 3)}`;
}

export function historyPrefix(kind: HistoryEntityKind, entityId: string): string {
  return `${HISTORY_PREFIX}${HISTORY_KIND[kind]}|${checkedId(kind, entityId)}|`;
}

/** Every state row sorts after the history block, so "all state" is one range without history. */
export const STATE_ROWS_AFTER = prefixRange(HISTORY_PREFIX).lt;
for (const key of [PROFILE_ROW, VERSION_ROW, ...Object.values(KIND_PREFIX)]) {
  if (key <= STATE_ROWS_AFTER) {
    throw new Error(`State row key "${key}" must sort after "${STATE_ROWS_AFTER}"`);
  }
}

// ---- customers table: the outbox ------------------------------------------------------------

/**
 * `evt|<first event id>`: the events one commit raised, committed with their change, until the relay
 * has sent them. The block sorts before the history rows, so it is neither state nor history.
 */
const OUTBOX_PREFIX = "evt|";
export const OUTBOX_ROWS = prefixRange(OUTBOX_PREFIX);
if (OUTBOX_ROWS.lt > HISTORY_PREFIX) throw new Error(`Outbox rows must sort before "${HISTORY_PREFIX}"`);

export function outboxRowKey(eventId: string): string {
  return `${OUTBOX_PREFIX}${eventId}`;
}

// ---- reference table ----------------------------------------------------------------------------

export type ReferenceKind = "partner" | "offer" | "partner-key";
/** PartitionKey = the kind, RowKey = the id: a point read each. */
export function referenceKeys(kind: ReferenceKind, id: string): { partitionKey: string; rowKey: string } {
  return { partitionKey: kind, rowKey: checkedId(kind, id) };
}

// ---- ids that locate their partition ---------------------------------------------------------

/**
 * A relationship or migration id the intake makes, `<rel|mig>-<32 hex>-<customerId>`: it names its
 * customer's partition, so reading it by id alone is one point read, with no index entry to write or
 * read. Only a locator: the entity must then be found at that address (a forged id finds nothing).
 * Undefined when the customer id makes it longer than an id may be (the id then goes without the
 * suffix and gets a by-id index entry, as every id that does not locate its customer does).
 */
export function locatingId(prefix: "rel" | "mig", digest: string, customerId: string): string | undefined {
  const id = `${prefix}-${digest}-${checkedId("customer", customerId)}`;
  return idSchema.safeParse(id).success ? id : undefined;
}

const LOCATING_ID = /^(?:rel|mig)-[0-9a-f]{32}-(.+)$/;

/** The customer an id names (see locatingId), if it names one. */
export function customerNamedBy(id: string): string | undefined {
  const named = LOCATING_ID.exec(id)?.[1];
  return named !== undefined && idSchema.safeParse(named).success ? named : undefined;
}

// ---- indexes table ------------------------------------------------------------------------------

export type ByIdKind = "relationship" | "migration";
const BY_ID_PREFIX: Readonly<Record<ByIdKind, string>> = { relationship: "rel|", migration: "mig|" };
const BY_ID_ROW = "customer";

/** `rel|<id>` / `mig|<id>` → its customer: one small partition per id, a point read. */
export function byIdKeys(kind: ByIdKind, id: string): { partitionKey: string; rowKey: string } {
  return { partitionKey: `${BY_ID_PREFIX[kind]}${checkedId(kind, id)}`, rowKey: BY_ID_ROW };
}

/**
 * `map|<partnerId>`: the partner's customer map (row `<customerId>`, customerMap.ts) and, beside it,
 * what the sweep must visit for that partner (rows `~due|…` / `~inv|…`), so one batch writes a
 * customer's summary and its due entries together.
 */
export const MAP_PREFIX = "map|";

export function mapPartition(partnerId: string): string {
  return `${MAP_PREFIX}${checkedId("partner", partnerId)}`;
}

/**
 * Customer-map rows are customer ids, whose characters all sort before `~`: the due rows (which
 * start with it) never mix into a map page, and a page query stops at this bound.
 */
export const MAP_ROWS_BEFORE = "~";

export type DueKind = "term-end" | "invitation";
const DUE_PREFIX: Readonly<Record<DueKind, string>> = { "term-end": "~due|", invitation: "~inv|" };

/** Partition `map|<partnerId>`, row `~due|<yyyy-mm-dd>|<customerId>|<entityId>` (`~inv|` for invitations). */
export function dueKeys(
  kind: DueKind,
  dueAt: string,
  partnerId: string,
  customerId: string,
  entityId: string,
) {
  return {
    partitionKey: mapPartition(partnerId),
    rowKey: `${DUE_PREFIX[kind]}${utcDay(dueAt)}|${checkedId("customer", customerId)}|${checkedId(kind, entityId)}`,
  };
}

/** Rows of a partner's map partition due on or before `asOf`'s day: from the first day there is to that day. */
export function dueRowRange(kind: DueKind, asOf: string): KeyRange {
  return { ge: DUE_PREFIX[kind], lt: prefixRange(`${DUE_PREFIX[kind]}${utcDay(asOf)}|`).lt };
}

for (const prefix of Object.values(DUE_PREFIX)) {
  if (!prefix.startsWith(MAP_ROWS_BEFORE) || idSchema.safeParse(prefix.slice(0, -1)).success) {
    throw new Error(`Due rows ("${prefix}") must sort after every customer id`);
  }
}

/**
 * `claim|<scope>|<SHA-256 of the key>`: a submission's Idempotency-Key claim, kept in the customer's
 * partition so the claim, the entity and its history are one transaction. Sorts before the history
 * block, so no state or history range holds it.
 */
export function claimRowKey(scope: string, key: string): string {
  return `${CLAIM_PREFIX}${checkedId("partner", scope)}|${sha256Hex(key)}`;
}
const CLAIM_PREFIX: string = "claim|";
if (CLAIM_PREFIX >= HISTORY_PREFIX) throw new Error("claim rows must sort before the history block");

/**
 * `outbox|<0-f>`, row `<customerId>|<first event id>`: a commit that left events in its customer's
 * outbox, for the timer to find if the relay did not clear it. Sixteen partitions by the customer
 * id's hash spread the writes; the timer reads them with one range query.
 */
const OUTBOX_INDEX_PREFIX = "outbox|";
export const OUTBOX_INDEX_PARTITIONS = prefixRange(OUTBOX_INDEX_PREFIX);

export function outboxIndexKeys(customerId: string, firstEventId: string) {
  return {
    partitionKey: `${OUTBOX_INDEX_PREFIX}${sha256Hex(checkedId("customer", customerId)).slice(0, 1)}`,
    rowKey: `${customerId}|${firstEventId}`,
  };
}

// ---- idempotency table --------------------------------------------------------------------------

/** PartitionKey = the calling partner, RowKey = SHA-256 of the key (keys may hold any printable character). */
export function idempotencyKeys(partnerId: string, key: string): { partitionKey: string; rowKey: string } {
  return { partitionKey: checkedId("partner", partnerId), rowKey: sha256Hex(key) };
}

// ---- helpers ------------------------------------------------------------------------------------

export type KeyRange = { ge: string; lt: string } | { ge: string; le: string };

/** Every key starting with `prefix`: from the prefix to the prefix with its last character bumped. */
export function prefixRange(prefix: string): { ge: string; lt: string } {
  const last = prefix.charCodeAt(prefix.length - 1);
  return { ge: prefix, lt: `${prefix.slice(0, -1)}${String.fromCharCode(last + 1)}` };
}

/** An ISO time's UTC day, `yyyy-mm-dd`. */
export function utcDay(isoTime: string): string {
  return normalizeTime(isoTime).slice(0, 10);
}

/** ISO times in one fixed shape (`toISOString`), so they compare as strings. */
export function normalizeTime(isoTime: string): string {
  const time = Date.parse(isoTime);
  if (Number.isNaN(time)) throw new Error(`Not an ISO time: "${isoTime}"`);
  return new Date(time).toISOString();
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function pad(value: number, width: number): string {
  if (!Number.isSafeInteger(value) || value < 0 || String(value).length > width) {
    throw new Error(`${value} does not fit a ${width}-digit key part`);
  }
  return String(value).padStart(width, "0");
}
