/**
 * The events a commit raises, derived from its status steps (the history rows it appends for
 * relationships and migrations, line items' steps tagged with their subscription id): one event per
 * step, its `sequence` one more than the resource's last. The counters live on the entity row the
 * resource belongs to (a line item's on its migration's), so they commit with the change itself and
 * a retried commit, deciding on a reloaded state, numbers the same steps the same way. Pure.
 */
import type { HistoryEntry, Invitation } from "../domain/model.js";
import {
  eventIdFor,
  eventTypeFor,
  INVITATION_MADE_EVENT_TYPE,
  type EventEnvelope,
  type ResourceKind,
} from "./catalogue.js";

/** Events raised so far per resource id, as stored on one entity row. */
export type EventCounters = Readonly<Record<string, number>>;

export interface StatusStep {
  readonly entity: { readonly kind: "relationship" | "migration"; readonly id: string };
  /** The line item's subscription id, for a line item's step. */
  readonly lineItem?: string | undefined;
  readonly entry: HistoryEntry;
  /** A relationship's step: the invitation the relationship holds after the commit, if any. */
  readonly invitation?: Invitation | undefined;
}

export interface OutboxPlan {
  readonly events: readonly EventEnvelope[];
  /** Each entity's counters after the commit, by `<kind>|<id>`; only entities with events. */
  readonly counters: ReadonlyMap<string, EventCounters>;
}

/**
 * `partnerOf` names the partner of an entity the commit puts; `countersOf` gives an entity's stored
 * counters (empty for a new one).
 */
export function planOutbox(
  customerId: string,
  steps: readonly StatusStep[],
  partnerOf: (kind: StatusStep["entity"]["kind"], id: string) => string,
  countersOf: (kind: StatusStep["entity"]["kind"], id: string) => EventCounters,
): OutboxPlan {
  const counters = new Map<string, Record<string, number>>();
  const events: EventEnvelope[] = [];
  for (const step of steps) {
    const entityKey = `${step.entity.kind}|${step.entity.id}`;
    let entityCounters = counters.get(entityKey);
    if (entityCounters === undefined) {
      entityCounters = { ...countersOf(step.entity.kind, step.entity.id) };
      counters.set(entityKey, entityCounters);
    }
    const resource = resourceOf(step);
    const sequence = (entityCounters[resource.id] ?? 0) + 1;
    entityCounters[resource.id] = sequence;
    const type = eventTypeFor(resource.kind, step.entry.to, step.entry.from);
    const invitation = type === INVITATION_MADE_EVENT_TYPE ? step.invitation : undefined;
    events.push({
      id: eventIdFor(customerId, resource.kind, resource.id, sequence),
      type,
      occurredAt: step.entry.at,
      partnerId: partnerOf(step.entity.kind, step.entity.id),
      customerId,
      resource: { ...resource, status: step.entry.to },
      sequence,
      data: {
        from: step.entry.from,
        rules: [...step.entry.rules],
        ...(step.entry.note === undefined ? {} : { note: step.entry.note }),
        ...(invitation === undefined ? {} : { invitation }),
      },
    });
  }
  return { events, counters };
}

function resourceOf(step: StatusStep): { kind: ResourceKind; id: string; href: string } {
  if (step.entity.kind === "relationship") {
    return { kind: "relationship", id: step.entity.id, href: `/api/relationships/${step.entity.id}` };
  }
  const href = `/api/migrations/${step.entity.id}`;
  return step.lineItem === undefined
    ? { kind: "migration", id: step.entity.id, href }
    : { kind: "line-item", id: `${step.entity.id}/${step.lineItem}`, href };
}

/**
 * The events an entity's status steps raised, again, from its history rows (oldest first): the same
 * ids, sequences and contents as when its commits raised them. `counters` are the entity row's own
 * (the last sequence per resource), so the history's steps end there. Pure.
 */
export function eventsOfHistory(
  customerId: string,
  partnerId: string,
  entity: StatusStep["entity"],
  history: readonly (HistoryEntry & { readonly lineItem?: string | undefined })[],
  counters: EventCounters,
): EventEnvelope[] {
  const steps: StatusStep[] = history.map((entry) => ({ entity, lineItem: entry.lineItem, entry }));
  const replayed = planOutbox(
    customerId,
    steps,
    () => partnerId,
    () => ({}),
  );
  const counted = replayed.counters.get(`${entity.kind}|${entity.id}`) ?? {};
  // Steps recorded before the counters were (none, normally): number the history so it ends at them.
  const offsets = new Map(
    Object.entries(counted).map(([id, count]) => [id, Math.max(0, (counters[id] ?? count) - count)]),
  );
  if ([...offsets.values()].every((offset) => offset === 0)) return [...replayed.events];
  return planOutbox(
    customerId,
    steps,
    () => partnerId,
    () => Object.fromEntries(offsets),
  ).events.slice();
}
