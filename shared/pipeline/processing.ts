/** What a queue processor did with one message, for its log line and for tests. */
import type { Customer, Partner, Subscription } from "../domain/index.js";
import type { CustomerState } from "../storage/index.js";

export interface MovedEntity {
  readonly kind: "relationship" | "migration";
  readonly id: string;
  /** The status before the message (undefined when the entity was not found). */
  readonly from: string | undefined;
  /** Statuses entered, in order; empty when nothing changed. */
  readonly path: readonly string[];
}

export interface ProcessingResult {
  readonly customerId: string;
  /** The entity the message is about, then any others it moved along (migrations resumed by an answer). */
  readonly moved: readonly MovedEntity[];
  /** Why nothing (or less than asked) was done: a redelivery, an entity not found, an answer refused. */
  readonly notes: readonly string[];
  /** True when something is wrong with the data rather than a plain redelivery: log it as a warning. */
  readonly warn: boolean;
  /** Decisions made (more than 1 when a racing writer forced a reload). */
  readonly attempts: number;
  /** Operations in the customer transaction; 0 when nothing was written. */
  readonly writes: number;
}

export type Decided = Omit<ProcessingResult, "attempts" | "writes">;

/** One line for the function log, e.g. `migration mig-1 (customer c): submitted → provisioning → completed; 5 writes`. */
export function summarize(result: ProcessingResult): string {
  const moves = result.moved.map((entity) => {
    const steps = entity.path.length === 0 ? "unchanged" : [entity.from ?? "?", ...entity.path].join(" → ");
    return `${entity.kind} ${entity.id}: ${entity.from === undefined && entity.path.length === 0 ? "not found" : steps}`;
  });
  const notes = result.notes.length === 0 ? "" : ` (${result.notes.join("; ")})`;
  return `customer ${result.customerId}: ${moves.join(", ")}; ${result.writes} writes in ${result.attempts} attempt(s)${notes}`;
}

/**
 * What is missing among a record's partner and customer, each with how to fix it; empty when both
 * are there. Reference data comes from the PUT routes, so the fix is always to PUT it first.
 */
export function missingParties(
  record: { readonly partnerId: string; readonly customerId: string },
  partner: Partner | undefined,
  customer: Customer | undefined,
): string[] {
  const missing: string[] = [];
  if (partner === undefined) {
    missing.push(
      `Partner ${record.partnerId} is not registered: PUT /api/partners/${record.partnerId} first`,
    );
  }
  if (customer === undefined) {
    missing.push(
      `Customer ${record.customerId} is not registered: PUT /api/customers/${record.customerId} first`,
    );
  }
  return missing;
}

/** The result for a message whose entity the customer's partition does not hold: nothing to do, warn. */
export function notStored(customerId: string, kind: MovedEntity["kind"], id: string, verb: string): Decided {
  return {
    customerId,
    moved: [{ kind, id, from: undefined, path: [] }],
    notes: [`${kind} ${id} is not stored for customer ${customerId}, so there is nothing to ${verb}`],
    warn: true,
  };
}

/** The values of one kind of a loaded state. */
export function valuesOf<T>(entries: ReadonlyMap<string, { readonly value: T }>): T[] {
  return [...entries.values()].map((entry) => entry.value);
}

/** The state's subscriptions by id, as the rules and `outcomeChanges` read them. */
export function subscriptionsOf(state: CustomerState): Map<string, Subscription> {
  return new Map([...state.subscriptions].map(([id, entry]) => [id, entry.value] as const));
}
