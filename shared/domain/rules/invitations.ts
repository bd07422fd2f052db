/**
 * Live mode: what becomes of a pending relationship once Partner Center has been asked to make its
 * invitation (REL-1, MP-2, REL-4). Made, the invitation is recorded on the relationship as a step that
 * stays `pending`, so the partner's portal learns the links the customer opens. Refused (REL-4), the
 * customer has nothing to accept: the relationship is rejected with Partner Center's answer, and the
 * migrations waiting on it with it, so the partner can fix the cause and ask again at once.
 */
import type { Invitation, Migration, Relationship, RuleId } from "../model.js";
import { historyEntry, type MigrationOutcome, type RelationshipOutcome } from "../outcomes.js";
import { transition } from "../lifecycle.js";
import { type Instant, toIso } from "../time.js";
import { violation } from "../violations.js";
import { rejectMigration } from "./migrations.js";
import { joinMessages, SYSTEM_ACTOR, unchangedRelationship } from "./relationships.js";

/** Partner Center's or Graph's refusal to make an invitation: its HTTP status and answer. */
export interface InvitationRefusal {
  readonly status: number | null;
  /** Partner Center's answer, e.g. its code and description. */
  readonly message: string;
}

/** A pending relationship whose invitation Partner Center was not yet asked for (or did not answer). */
export function awaitsInvitation(relationship: Relationship): boolean {
  return (
    relationship.status === "pending" &&
    relationship.invitation === undefined &&
    relationship.invitationError === undefined
  );
}

/**
 * REL-1 (MP-2 with delegated admin): the invitation made in Partner Center, recorded on the pending
 * relationship with a step from `pending` to `pending`. Anything but a relationship awaiting its
 * invitation is left as it is (a redelivery, or an answer that came first).
 */
export function recordInvitation(
  relationship: Relationship,
  invitation: Invitation,
  now: Instant,
): RelationshipOutcome {
  if (!awaitsInvitation(relationship)) return unchangedRelationship(relationship);
  const at = toIso(now);
  const rules: RuleId[] = invitation.delegatedAdmin === undefined ? ["REL-1"] : ["REL-1", "MP-2"];
  const gdap = invitation.delegatedAdmin;
  const note =
    `Invitation made in Partner Center: ${invitation.resellerRelationshipUrl}` +
    (gdap === undefined ? "" : `; GDAP relationship ${gdap.id} to approve at ${gdap.approvalUrl}`);
  return {
    changed: true,
    relationship: { ...relationship, invitation, updatedAt: at },
    path: [],
    history: [historyEntry(at, SYSTEM_ACTOR, relationship.status, relationship.status, rules, note)],
    violations: [],
  };
}

export interface InvitationRefusalOutcome {
  readonly relationship: RelationshipOutcome;
  /** The migrations that waited on the relationship, rejected with it. */
  readonly migrations: readonly MigrationOutcome[];
}

/**
 * REL-4 (inference): Partner Center refused to make the invitation, so the customer has nothing to
 * accept and waiting for REL-3's expiry helps nobody. The relationship is rejected with the refusal
 * (also kept as `invitationError`), and every migration waiting on it is rejected too; the partner
 * fixes the cause and requests the relationship again, which REL-1 then allows.
 */
export function refuseInvitation(input: {
  readonly relationship: Relationship;
  readonly refusal: InvitationRefusal;
  /** The customer's migrations; only those waiting on this relationship are touched. */
  readonly migrations: readonly Migration[];
  readonly now: Instant;
}): InvitationRefusalOutcome {
  const { relationship, refusal } = input;
  if (!awaitsInvitation(relationship)) {
    return { relationship: unchangedRelationship(relationship), migrations: [] };
  }
  const at = toIso(input.now);
  const answer = `${refusal.status === null ? "" : `${refusal.status} `}${refusal.message}`.slice(0, 1500);
  const found = [
    violation(
      "REL-4",
      `Partner Center refused to make invitation ${relationship.id} for customer ${relationship.customerId}: ${answer}. Fix the cause, then request the relationship again`,
    ),
  ];
  const status = transition("relationship", relationship.status, "rejected");
  const rejected: RelationshipOutcome = {
    changed: true,
    relationship: {
      ...relationship,
      status,
      invitationError: { status: refusal.status, message: refusal.message.slice(0, 2000), at },
      violations: [...relationship.violations, ...found],
      updatedAt: at,
    },
    path: [status],
    history: [historyEntry(at, SYSTEM_ACTOR, relationship.status, status, ["REL-4"], joinMessages(found))],
    violations: found,
  };
  const migrations = input.migrations
    .filter(
      (migration) =>
        migration.status === "awaiting-relationship" && migration.relationshipId === relationship.id,
    )
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
    .map((migration) =>
      rejectMigration(
        migration,
        [
          violation(
            "REL-4",
            `Invitation ${relationship.id} could not be made in Partner Center (${answer}), so migration ${migration.id} cannot proceed; request the relationship again, then submit the migration again`,
          ),
        ],
        at,
        SYSTEM_ACTOR,
      ),
    );
  return { relationship: rejected, migrations };
}
