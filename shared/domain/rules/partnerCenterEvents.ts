/**
 * What a Partner Center event may change, once the service has read back, as the partner, what the
 * event claims (PC-2). The event is only a hint: these decisions take the confirming read, never the event.
 * - TEN-3: a reseller acceptance Partner Center confirms (the customer is now the partner's) accepts
 *   the partner's open invitation to that customer, the second way beside the customer's own token.
 * - MP-2: a delegated admin (GDAP) relationship Graph shows active marks the partner's relationship
 *   with that customer as granted; one Graph shows expired or terminated moves it on.
 * - PC-3: what the event would change being already so, nothing changes.
 */
import type { Relationship, Violation } from "../model.js";
import { historyEntry, type RelationshipOutcome } from "../outcomes.js";
import { type Instant, toIso } from "../time.js";
import { violation } from "../violations.js";
import { isOpenInvitation, unchangedRelationship } from "./relationships.js";

/** Who history names when Partner Center's confirmed event made a change. */
export const PARTNER_CENTER_ACTOR = "partner-center";

export type AcceptanceDecision =
  | { accept: Relationship }
  /** PC-3: the partner's relationship with the customer is already active. */
  | { already: Relationship }
  | { violation: Violation };

/**
 * TEN-3: the invitation a confirmed acceptance answers. `confirmed` is the confirming read: whether
 * Partner Center, asked as the partner, shows the customer as the partner's.
 */
export function acceptanceFromPartnerCenter(input: {
  partnerId: string;
  customerId: string;
  relationships: readonly Relationship[];
  confirmed: boolean;
  now: Instant;
}): AcceptanceDecision {
  if (!input.confirmed) {
    return {
      violation: violation(
        "PC-2",
        `Partner Center does not show customer ${input.customerId} as partner ${input.partnerId}'s: the event is not taken as the customer's answer`,
      ),
    };
  }
  const open = input.relationships
    .filter(
      (relationship) =>
        relationship.partnerId === input.partnerId && isOpenInvitation(relationship, input.now),
    )
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const invitation = open[0];
  if (invitation === undefined) {
    const active = input.relationships.find(
      (relationship) => relationship.partnerId === input.partnerId && relationship.status === "active",
    );
    if (active !== undefined) return { already: active };
    return {
      violation: violation(
        "PC-2",
        `Partner ${input.partnerId} has no open invitation to customer ${input.customerId} for Partner Center's acceptance to answer`,
      ),
    };
  }
  return { accept: invitation };
}

export type DelegatedAdminStatus = NonNullable<Relationship["delegatedAdminRelationship"]>["status"];

/** Graph's status of a delegated admin relationship, as this service keeps it (undefined: nothing to record yet). */
export function delegatedAdminStatusOf(graphStatus: string): DelegatedAdminStatus | undefined {
  switch (graphStatus) {
    case "active":
      return "granted";
    case "expired":
      return "expired";
    case "terminated":
      return "terminated";
    default:
      return undefined;
  }
}

/**
 * MP-2: the partner's relationship with the customer that asked for delegated admin, updated to
 * what Graph shows. The same status again changes nothing (a repeated event), nor does a customer
 * other than the one the relationship is with.
 */
export function delegatedAdminFromGraph(input: {
  partnerId: string;
  customerId: string;
  relationships: readonly Relationship[];
  graph: { id: string; status: string; customerTenantId: string } | undefined;
  now: Instant;
}): RelationshipOutcome | { violation: Violation } {
  const { graph } = input;
  if (graph === undefined || graph.customerTenantId !== input.customerId) {
    return {
      violation: violation(
        "PC-2",
        `Graph shows partner ${input.partnerId} no delegated admin relationship with customer ${input.customerId}`,
      ),
    };
  }
  const status = delegatedAdminStatusOf(graph.status);
  if (status === undefined) {
    return {
      violation: violation(
        "PC-2",
        `Graph shows the delegated admin relationship ${graph.id} as ${graph.status}: nothing to record yet`,
      ),
    };
  }
  const candidates = input.relationships
    .filter(
      (relationship) =>
        relationship.partnerId === input.partnerId &&
        relationship.delegatedAdmin &&
        (relationship.status === "active" || relationship.status === "pending"),
    )
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const relationship =
    candidates.find((candidate) => candidate.delegatedAdminRelationship?.id === graph.id) ?? candidates[0];
  if (relationship === undefined) {
    return {
      violation: violation(
        "MP-2",
        `Partner ${input.partnerId} has no relationship with customer ${input.customerId} that asked for delegated admin`,
      ),
    };
  }
  const before = relationship.delegatedAdminRelationship;
  if (before?.id === graph.id && before.status === status) return unchangedRelationship(relationship);
  const at = toIso(input.now);
  return {
    changed: true,
    relationship: {
      ...relationship,
      delegatedAdminRelationship: { id: graph.id, status, at },
      updatedAt: at,
    },
    path: [],
    history: [
      historyEntry(
        at,
        PARTNER_CENTER_ACTOR,
        relationship.status,
        relationship.status,
        ["MP-2"],
        `Delegated admin relationship ${graph.id}: ${before?.status ?? "none"} → ${status}, as Graph shows it`,
      ),
    ],
    violations: [],
  };
}
