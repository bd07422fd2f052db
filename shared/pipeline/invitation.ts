/**
 * Live mode: the invitation a pending relationship sends, made in Partner Center and Graph as the
 * partner, then recorded on the relationship for GET /api/relationships/{id}:
 * - the reseller relationship request link (REL-1; for an indirect reseller, the provider's link for it);
 * - when delegated admin is asked (MP-2), a GDAP relationship with the roles of the partner's role
 *   template, locked for the customer's approval.
 * At-least-once without doubling anything in Partner Center: the link is a read; the GDAP
 * relationship's display name is fixed by the relationship's id, so a redelivery — or a crash after
 * Graph created it and before the table write — finds the one it made instead of creating another;
 * it is locked only while Graph still shows it `created`; and the record is written only while the
 * relationship is pending with no invitation. Throttling, server errors and time-outs throw
 * (PartnerCenterError, retryable): the trigger delivers the message again later (queueTrigger.ts),
 * nothing waits here. A refusal (another 4xx) is not retried: the relationship is rejected with it
 * (REL-4, kept as `invitationError`), with the migrations waiting on it. Either way the commit raises its event
 * (`relationship-invitation-made` or `relationship-rejected`), relayed as the message's own.
 */
import {
  awaitsInvitation,
  type Customer,
  delegatedAdminApprovalUrl,
  type DelegatedAdminPlan,
  type Invitation,
  type InvitationRefusal,
  type PartnerCenterLink,
  planDelegatedAdmin,
  recordInvitation,
  refuseInvitation,
  type Relationship,
  SYSTEM_ACTOR,
  toIso,
} from "../domain/index.js";
import { type PartnerCenterClient, refusalIn } from "../partnerCenter/client.js";
import type { DelegatedAdminRelationshipResource } from "../partnerCenter/shapes.js";
import { loadCustomerState, withCustomerPartitionForMessage } from "../storage/index.js";
import { NO_STEP, type PartnerCenterStep } from "./partnerCenterStep.js";
import { outcomeChanges } from "./persist.js";
import { valuesOf } from "./processing.js";
import { relayOrRetry } from "./relay.js";
import type { Runtime } from "./runtime.js";

/** Sends (once) the invitation of a pending relationship that has none yet; in records mode, nothing. */
export async function sendInvitation(
  rt: Runtime,
  customerId: string,
  relationshipId: string,
): Promise<PartnerCenterStep> {
  const client = rt.partnerCenter;
  if (client === undefined) return NO_STEP;
  const state = await loadCustomerState(rt.store, customerId);
  const relationship = state.relationships.get(relationshipId)?.value;
  const customer = state.customer?.value;
  if (relationship === undefined || customer === undefined || !awaitsInvitation(relationship)) return NO_STEP;
  const link = (await rt.reference.partner(relationship.partnerId))?.partnerCenter;
  if (link === undefined) {
    return {
      ...NO_STEP,
      notes: [
        `partner ${relationship.partnerId} has no Partner Center link: no invitation was made in Partner Center; PUT the partner's partnerCenter, then request again`,
      ],
      warn: true,
    };
  }

  let made: { invitation: Invitation } | { refusal: InvitationRefusal };
  try {
    made = { invitation: await makeInvitation(rt, client, link, relationship, customer) };
  } catch (error) {
    // A refusal is final (REL-4); throttling, faults and time-outs are retried by redelivery.
    const refusal = refusalIn(error);
    made = { refusal: { status: refusal.status ?? null, message: refusal.message } };
  }

  const now = rt.now();
  const done = await withCustomerPartitionForMessage(rt.store, customerId, (state) => {
    const current = state.relationships.get(relationshipId)?.value;
    // Answered, expired or recorded by a racing delivery meanwhile: what is stored stands.
    if (current === undefined) return Promise.resolve({ changes: [], result: false });
    const outcome =
      "invitation" in made
        ? { relationship: recordInvitation(current, made.invitation, now), migrations: [] }
        : refuseInvitation({
            relationship: current,
            refusal: made.refusal,
            migrations: valuesOf(state.migrations),
            now,
          });
    const changes = outcomeChanges(
      { relationships: [outcome.relationship], migrations: outcome.migrations },
      () => undefined,
      { at: toIso(now), by: SYSTEM_ACTOR },
    );
    return Promise.resolve({ changes, result: outcome.relationship.changed });
  });
  await relayOrRetry(rt, done);
  const gdap = "invitation" in made ? made.invitation.delegatedAdmin : undefined;
  const note =
    "refusal" in made
      ? `REL-4: Partner Center refused the invitation, the relationship is rejected: ${made.refusal.message}`
      : `invitation made in Partner Center${gdap === undefined ? "" : `; GDAP ${gdap.id} locked for approval`}`;
  return {
    notes: [done.result ? note : "invitation already recorded"],
    warn: "refusal" in made,
    attempts: done.attempts,
    writes: done.receipt.operations,
  };
}

/** The reseller link and, when delegated admin is asked, the locked GDAP relationship, as Partner Center and Graph answer. */
async function makeInvitation(
  rt: Runtime,
  client: PartnerCenterClient,
  link: PartnerCenterLink,
  relationship: Relationship,
  customer: Customer,
): Promise<Invitation> {
  // Two-tier CSP: the provider's link for its reseller, named by the reseller's Partner Center tenant.
  const resellerId = relationship.indirectResellerId;
  const reseller = resellerId === undefined ? undefined : await rt.reference.partner(resellerId);
  const indirectResellerId =
    resellerId === undefined ? undefined : (reseller?.partnerCenter?.tenantId ?? resellerId);
  const resellerRelationshipUrl = await client.relationshipRequestLink(link, { indirectResellerId });
  let delegatedAdmin: Invitation["delegatedAdmin"];
  if (relationship.delegatedAdmin) {
    const plan = planDelegatedAdmin({
      relationshipId: relationship.id,
      customer,
      roleTemplate: link.delegatedAdminRoleTemplate,
      duration: rt.config.DELEGATED_ADMIN_DURATION,
    });
    const gdap = await lockedDelegatedAdmin(client, link, plan);
    delegatedAdmin = {
      id: gdap.id,
      displayName: plan.displayName,
      approvalUrl: delegatedAdminApprovalUrl(gdap.id),
      roleTemplate: plan.roleTemplate,
      roleDefinitionIds: [...plan.roleDefinitionIds],
      duration: plan.duration,
      autoExtendDuration: plan.autoExtendDuration,
    };
  }
  return {
    resellerRelationshipUrl,
    ...(resellerId === undefined ? {} : { indirectResellerId: resellerId }),
    ...(delegatedAdmin === undefined ? {} : { delegatedAdmin }),
    at: toIso(rt.now()),
  };
}

/**
 * The GDAP relationship of this plan, created once and locked for approval. Found by its display name
 * first; a create that fails because a racing delivery just made it finds that one.
 */
async function lockedDelegatedAdmin(
  client: PartnerCenterClient,
  link: PartnerCenterLink,
  plan: DelegatedAdminPlan,
): Promise<DelegatedAdminRelationshipResource> {
  const named = async () => (await client.delegatedAdminRelationshipsNamed(link, plan.displayName))[0];
  let gdap = await named();
  if (gdap === undefined) {
    try {
      gdap = await client.createDelegatedAdminRelationship(link, {
        displayName: plan.displayName,
        duration: plan.duration,
        customer: plan.customer,
        accessDetails: {
          unifiedRoles: plan.roleDefinitionIds.map((roleDefinitionId) => ({ roleDefinitionId })),
        },
        autoExtendDuration: plan.autoExtendDuration,
      });
    } catch (error) {
      refusalIn(error);
      gdap = await named();
      if (gdap === undefined) throw error;
    }
  }
  // Graph takes the lock only once, from `created`; a relationship past it was locked before.
  if (gdap.status === "created") await client.lockForApproval(link, gdap.id);
  return gdap;
}
