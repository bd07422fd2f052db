/**
 * Reseller relationships: deciding a request (REL-1, REL-3, CLOUD-1, MC-7, MP-1, MP-2) and a
 * customer's answer to the invitation (REL-2, REL-3, MP-3).
 */
import { transition } from "../lifecycle.js";
import type { Customer, Partner, Relationship, RelationshipStatus, Violation } from "../model.js";
import { historyEntry, type RelationshipOutcome } from "../outcomes.js";
import { addDays, type Instant, toIso, toMillis } from "../time.js";
import { rulesOf, violation } from "../violations.js";
import { authorizeRelationshipRequest } from "./roles.js";
import { tenancyViolations } from "./tenancy.js";

/** Who the service records as deciding, when no person does. */
export const SYSTEM_ACTOR = "system";

export interface RelationshipRequestInput {
  /** The stored request, status `submitted`. */
  relationship: Relationship;
  partner: Partner;
  customer: Customer;
  /** The registered partner the request's `indirectResellerId` names; undefined when none is (or none is named). */
  reseller?: Partner | undefined;
  /** The customer's relationships, with any partner (this one may be among them). */
  relationships: readonly Relationship[];
  now: Instant;
  /** REL-3: days an invitation stays open (setting INVITATION_TTL_DAYS). */
  invitationTtlDays: number;
}

/** A pending invitation still open at `now` (REL-3: one past its expiry no longer counts). */
export function isOpenInvitation(relationship: Relationship, now: Instant): boolean {
  return (
    relationship.status === "pending" &&
    (relationship.expiresAt === undefined || toMillis(relationship.expiresAt) > toMillis(now))
  );
}

/** A relationship that lets the partner act (active) or will once accepted (an open invitation). */
function isStanding(relationship: Relationship, now: Instant): boolean {
  return relationship.status === "active" || isOpenInvitation(relationship, now);
}

export function unchangedRelationship(
  relationship: Relationship,
  violations: Violation[] = [],
): RelationshipOutcome {
  return { changed: false, relationship, path: [], history: [], violations };
}

/** submitted → pending (invitation sent, with its expiry) or rejected with every violation. */
export function decideRelationshipRequest(input: RelationshipRequestInput): RelationshipOutcome {
  const { relationship, partner, customer } = input;
  if (relationship.status !== "submitted") return unchangedRelationship(relationship);
  assertParties(relationship, partner, customer);
  const now = toIso(input.now);

  const found: Violation[] = [];
  // ROLE-1 is checked at the door (403); again here so a request that slipped past is still refused.
  const forbidden = authorizeRelationshipRequest(relationship.requestedBy);
  if (forbidden !== null) found.push(forbidden);
  found.push(...tenancyViolations(partner, customer));
  found.push(...indirectResellerViolations(relationship, partner, input.reseller));

  const others = input.relationships.filter((other) => other.id !== relationship.id);
  // REL-1 (inference): one invitation or active relationship per partner and customer at a time.
  const duplicate = others.find((other) => other.partnerId === partner.id && isStanding(other, now));
  if (duplicate !== undefined) {
    found.push(
      violation(
        "REL-1",
        `Partner ${partner.id} already has a ${duplicate.status} relationship ${duplicate.id} with customer ${customer.id}`,
      ),
    );
  }
  // MP-1: other partners' relationships are no reason to refuse; a customer may have several partners.
  // MP-2 (inference): joining a customer that already has an active partner is multi-partner, which
  // works through delegated administrative privileges, so the invitation must ask for them.
  const otherPartners = others.filter((other) => other.partnerId !== partner.id && other.status === "active");
  if (otherPartners.length > 0 && !relationship.delegatedAdmin) {
    const names = [...new Set(otherPartners.map((other) => other.partnerId))].sort().join(", ");
    found.push(
      violation(
        "MP-2",
        `Customer ${customer.id} already works with partner ${names}; a second partner must ask for delegated admin privileges (delegatedAdmin: true)`,
      ),
    );
  }

  if (found.length > 0) {
    const status = transition("relationship", relationship.status, "rejected");
    return {
      changed: true,
      relationship: { ...relationship, status, violations: found, updatedAt: now },
      path: [status],
      history: [
        historyEntry(now, SYSTEM_ACTOR, relationship.status, status, rulesOf(found), joinMessages(found)),
      ],
      violations: found,
    };
  }
  // REL-1: the invitation goes to the customer; REL-3 (inference): it expires if unanswered.
  const status = transition("relationship", relationship.status, "pending");
  const expiresAt = addDays(now, input.invitationTtlDays);
  return {
    changed: true,
    relationship: { ...relationship, status, expiresAt, violations: [], updatedAt: now },
    path: [status],
    history: [
      historyEntry(
        now,
        SYSTEM_ACTOR,
        relationship.status,
        status,
        ["REL-1"],
        `Invitation expires at ${expiresAt}`,
      ),
    ],
    violations: [],
  };
}

/**
 * REL-1 (inference, two-tier CSP): only an indirect provider asks on behalf of a reseller, and only
 * for one of its own registered indirect resellers.
 */
function indirectResellerViolations(
  relationship: Relationship,
  partner: Partner,
  reseller: Partner | undefined,
): Violation[] {
  const resellerId = relationship.indirectResellerId;
  if (resellerId === undefined) return [];
  if (partner.kind !== "indirect-provider") {
    return [
      violation(
        "REL-1",
        `Partner ${partner.id} is ${partner.kind}; only an indirect provider asks on behalf of an indirect reseller (${resellerId})`,
      ),
    ];
  }
  if (reseller?.kind !== "indirect-reseller" || reseller.indirectProviderId !== partner.id) {
    return [
      violation(
        "REL-1",
        `${resellerId} is not a registered indirect reseller of indirect provider ${partner.id}`,
      ),
    ];
  }
  return [];
}

export type RelationshipAnswer =
  | { decision: "accept"; customerUserId: string; customerObjectId?: string }
  | { decision: "decline"; customerUserId: string; customerObjectId?: string; reason?: string };

export interface RelationshipAnswerInput {
  relationship: Relationship;
  answer: RelationshipAnswer;
  now: Instant;
}

/**
 * The customer's answer. Only an open invitation can be answered: accepted → active (REL-2), declined →
 * declined. One past its expiry becomes expired (REL-3). Anything else is a REL-2 violation, unchanged.
 */
export function answerRelationship(input: RelationshipAnswerInput): RelationshipOutcome {
  const { relationship, answer } = input;
  const now = toIso(input.now);
  if (relationship.status === "expired") {
    return unchangedRelationship(relationship, [expiredViolation(relationship)]);
  }
  if (relationship.status !== "pending") {
    return unchangedRelationship(relationship, [
      violation(
        "REL-2",
        `Relationship ${relationship.id} is ${relationship.status}, not pending; only a pending invitation can be ${answer.decision === "accept" ? "accepted" : "declined"}`,
      ),
    ]);
  }
  if (!isOpenInvitation(relationship, now)) return expireRelationship(relationship, now, SYSTEM_ACTOR);

  if (answer.decision === "accept") {
    // REL-2: an accepted relationship lets the partner provision and manage. MP-3: accepting touches
    // nothing else: no subscription, partner of record, term or ownership changes here.
    const status = transition("relationship", relationship.status, "active");
    return answered(relationship, status, now, answer.customerUserId, objectIdOf(answer), ["REL-2"]);
  }
  const status = transition("relationship", relationship.status, "declined");
  const reason = answer.reason === undefined ? {} : { declineReason: answer.reason };
  return answered(relationship, status, now, answer.customerUserId, { ...objectIdOf(answer), ...reason }, []);
}

function objectIdOf(answer: RelationshipAnswer): Partial<Relationship> {
  return answer.customerObjectId === undefined ? {} : { answeredByObjectId: answer.customerObjectId };
}

/** pending → expired with REL-3 (by the sweep, or when an answer arrives too late). */
export function expireRelationship(
  relationship: Relationship,
  now: Instant,
  by: string,
): RelationshipOutcome {
  const at = toIso(now);
  const status = transition("relationship", relationship.status, "expired");
  const found = [expiredViolation(relationship)];
  return {
    changed: true,
    relationship: {
      ...relationship,
      status,
      violations: [...relationship.violations, ...found],
      updatedAt: at,
    },
    path: [status],
    history: [historyEntry(at, by, relationship.status, status, ["REL-3"], joinMessages(found))],
    violations: found,
  };
}

function answered(
  relationship: Relationship,
  status: RelationshipStatus,
  now: string,
  customerUserId: string,
  extra: Partial<Relationship>,
  rules: Parameters<typeof historyEntry>[4],
): RelationshipOutcome {
  return {
    changed: true,
    relationship: { ...relationship, ...extra, status, answeredBy: customerUserId, updatedAt: now },
    path: [status],
    history: [historyEntry(now, customerUserId, relationship.status, status, rules, extra.declineReason)],
    violations: [],
  };
}

function expiredViolation(relationship: Relationship): Violation {
  return violation(
    "REL-3",
    `Invitation ${relationship.id} from partner ${relationship.partnerId} expired at ${relationship.expiresAt ?? "an unknown time"} without an answer`,
  );
}

export function joinMessages(violations: readonly Violation[]): string {
  return violations.map((found) => `${found.rule}: ${found.message}`).join("; ");
}

/** The caller must hand over the partner and customer the record names; anything else is a bug. */
export function assertParties(
  record: { id: string; partnerId: string; customerId: string },
  partner: Partner,
  customer: Customer,
): void {
  if (record.partnerId !== partner.id || record.customerId !== customer.id) {
    throw new Error(
      `Record ${record.id} is between partner ${record.partnerId} and customer ${record.customerId}, but partner ${partner.id} and customer ${customer.id} were given`,
    );
  }
}
