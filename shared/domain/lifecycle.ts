/**
 * The three lifecycles of RULES.md (beside this file) "Lifecycles", as explicit transition tables. Every status change
 * the rules make goes through `transition`, so an illegal move is an error, never a silent write.
 */
import type { LineItemStatus, MigrationStatus, RelationshipStatus } from "./model.js";

/** The status type of each lifecycle. */
export interface LifecycleStatus {
  relationship: RelationshipStatus;
  migration: MigrationStatus;
  lineItem: LineItemStatus;
}
export type LifecycleKind = keyof LifecycleStatus;

type Table<S extends string> = Readonly<Record<S, readonly S[]>>;

export const RELATIONSHIP_TRANSITIONS: Table<RelationshipStatus> = {
  submitted: ["rejected", "pending"],
  // rejected from pending: Partner Center refused to make the invitation (REL-4).
  pending: ["active", "declined", "expired", "rejected"],
  active: ["removed"],
  rejected: [],
  declined: [],
  expired: [],
  removed: [],
};

export const MIGRATION_TRANSITIONS: Table<MigrationStatus> = {
  submitted: ["rejected", "awaiting-relationship", "provisioning", "failed"],
  "awaiting-relationship": ["provisioning", "rejected", "failed"],
  // completed straight from provisioning: immediate cancellations, kept or switched originals. A
  // migration stays provisioning while Partner Center carries out its transfers; partially-completed
  // when some items failed in Partner Center and others succeeded.
  provisioning: ["awaiting-term-end", "completed", "partially-completed", "failed"],
  "awaiting-term-end": ["completed", "partially-completed", "failed"],
  rejected: [],
  completed: [],
  "partially-completed": [],
  failed: [],
};

export const LINE_ITEM_TRANSITIONS: Table<LineItemStatus> = {
  planned: ["provisioned", "rejected"],
  provisioned: ["original-cancelled", "original-expired"],
  "original-cancelled": [],
  "original-expired": [],
  rejected: [],
};

export const TRANSITIONS: { readonly [K in LifecycleKind]: Table<LifecycleStatus[K]> } = {
  relationship: RELATIONSHIP_TRANSITIONS,
  migration: MIGRATION_TRANSITIONS,
  lineItem: LINE_ITEM_TRANSITIONS,
};

const LABELS: Readonly<Record<LifecycleKind, string>> = {
  relationship: "relationship",
  migration: "migration",
  lineItem: "line item",
};

/** An attempted move the lifecycle does not allow; names both statuses. */
export class LifecycleError extends Error {
  constructor(
    readonly kind: LifecycleKind,
    readonly from: string,
    readonly to: string,
  ) {
    super(`A ${LABELS[kind]} cannot move from "${from}" to "${to}"`);
    this.name = "LifecycleError";
  }
}

function nextStatuses<K extends LifecycleKind>(kind: K, from: LifecycleStatus[K]): readonly string[] {
  const table: Readonly<Record<string, readonly string[] | undefined>> = TRANSITIONS[kind];
  const next = table[from];
  if (next === undefined) throw new LifecycleError(kind, from, "(any)");
  return next;
}

export function canTransition<K extends LifecycleKind>(
  kind: K,
  from: LifecycleStatus[K],
  to: LifecycleStatus[K],
): boolean {
  return nextStatuses(kind, from).includes(to);
}

/** Returns `to` when the move is legal; throws LifecycleError naming both statuses otherwise. */
export function transition<K extends LifecycleKind>(
  kind: K,
  from: LifecycleStatus[K],
  to: LifecycleStatus[K],
): LifecycleStatus[K] {
  if (!canTransition(kind, from, to)) throw new LifecycleError(kind, from, to);
  return to;
}

/** A terminal status has no way out. */
export function isTerminal<K extends LifecycleKind>(kind: K, status: LifecycleStatus[K]): boolean {
  return nextStatuses(kind, status).length === 0;
}

/** Every terminal status of one lifecycle. */
export function terminalStatuses<K extends LifecycleKind>(kind: K): LifecycleStatus[K][] {
  const table: Table<LifecycleStatus[K]> = TRANSITIONS[kind];
  return (Object.keys(table) as LifecycleStatus[K][]).filter((status) => table[status].length === 0);
}
