/**
 * Partner Center's event, once verified at the door, from the relationship queue. The event is a
 * hint: nothing changes until Partner Center (reseller acceptances) or Graph (delegated admin) is
 * asked, as the partner the event was posted for, and shows what the event claims. So a replayed,
 * forged-but-signed, misrouted or contradicted event changes nothing. A confirmed acceptance then
 * goes through the customer-answer path (TEN-3) — waiting migrations included —, a delegated admin
 * change through one customer-partition commit (MP-2). Partner Center unreachable, throttling or a
 * server error throws: the trigger delivers the message again later (queueTrigger.ts).
 */
import {
  acceptanceFromPartnerCenter,
  delegatedAdminFromGraph,
  idSchema,
  PARTNER_CENTER_ACTOR,
  type PartnerCenterLink,
} from "../domain/index.js";
import type { PartnerCenterEventMessage } from "../messaging/messages.js";
import type { PartnerCenterClient } from "../partnerCenter/client.js";
import { HANDLED_EVENTS, type HandledEvent, resourceIdOf } from "../partnerCenter/shapes.js";
import { loadCustomerState, withCustomerPartitionForMessage } from "../storage/index.js";
import { addLogFields } from "../telemetry/logFields.js";
import { relationshipChanges } from "./persist.js";
import { processRelationship } from "./processRelationship.js";
import { relayOrRetry } from "./relay.js";
import type { ProcessingResult } from "./processing.js";
import { valuesOf } from "./processing.js";
import { runtime, type Runtime } from "./runtime.js";

const NO_CUSTOMER = "-";

function nothing(customerId: string, note: string, warn = false): ProcessingResult {
  return { customerId, moved: [], notes: [note], warn, attempts: 0, writes: 0 };
}

function isHandled(name: string): name is HandledEvent {
  return (HANDLED_EVENTS as readonly string[]).includes(name);
}

export async function processPartnerCenterEvent(
  message: PartnerCenterEventMessage,
  rt: Runtime = runtime(),
): Promise<ProcessingResult> {
  const { event, partnerId } = message;
  addLogFields({ partnerId });
  if (!isHandled(event.EventName))
    return nothing(NO_CUSTOMER, `${event.EventName}: acknowledged, not acted on`);
  const client = rt.partnerCenter;
  if (client === undefined) {
    return nothing(
      NO_CUSTOMER,
      "PARTNER_CENTER_MODE is records: Partner Center's events are not acted on",
      true,
    );
  }
  const link = (await rt.reference.partner(partnerId))?.partnerCenter;
  if (link === undefined)
    return nothing(NO_CUSTOMER, `partner ${partnerId} has no Partner Center link`, true);
  const resourceId = resourceIdOf(event.ResourceUri);
  if (resourceId === undefined)
    return nothing(NO_CUSTOMER, `${event.EventName}: its ResourceUri names no resource`, true);

  switch (event.EventName) {
    case "reseller-relationship-accepted-by-customer":
    case "indirect-reseller-relationship-accepted-by-customer":
      return confirmAcceptance(rt, client, link, message, resourceId);
    case "granular-admin-relationship-approved":
    case "granular-admin-relationship-activated":
    case "granular-admin-relationship-expired":
    case "granular-admin-relationship-terminated":
      return confirmDelegatedAdmin(rt, client, link, partnerId, resourceId);
    case "subscription-updated":
    case "test-created":
      return nothing(
        NO_CUSTOMER,
        `${event.EventName} ${resourceId}: acknowledged; nothing here depends on it yet`,
      );
  }
}

/** TEN-3: Partner Center, asked as the partner, must show the customer as the partner's. */
async function confirmAcceptance(
  rt: Runtime,
  client: PartnerCenterClient,
  link: PartnerCenterLink,
  message: PartnerCenterEventMessage,
  customerId: string,
): Promise<ProcessingResult> {
  if (!idSchema.safeParse(customerId).success)
    return nothing(NO_CUSTOMER, `no customer id in ${message.event.ResourceUri}`, true);
  addLogFields({ customerId });
  const customer = await client.customer(link, customerId);
  const confirmed = customer !== undefined && customer.companyProfile.tenantId === customerId;
  const state = await loadCustomerState(rt.store, customerId);
  const decision = acceptanceFromPartnerCenter({
    partnerId: message.partnerId,
    customerId,
    relationships: valuesOf(state.relationships),
    confirmed,
    now: rt.now(),
  });
  if ("violation" in decision) {
    return nothing(customerId, `${decision.violation.rule}: ${decision.violation.message}`, true);
  }
  if ("already" in decision) {
    return nothing(
      customerId,
      `PC-3: relationship ${decision.already.id} is already active: the event changes nothing`,
    );
  }
  return processRelationship(
    {
      schemaVersion: 1,
      type: "relationship-answer",
      requestId: message.requestId,
      customerId,
      relationshipId: decision.accept.id,
      answer: "accept",
      customerUserId: PARTNER_CENTER_ACTOR,
    },
    rt,
  );
}

/** MP-2: Graph, asked as the partner, says whom the delegated admin relationship is with and where it stands. */
async function confirmDelegatedAdmin(
  rt: Runtime,
  client: PartnerCenterClient,
  link: PartnerCenterLink,
  partnerId: string,
  gdapId: string,
): Promise<ProcessingResult> {
  const graph = await client.delegatedAdminRelationship(link, gdapId);
  if (graph === undefined || !idSchema.safeParse(graph.customer.tenantId).success) {
    return nothing(
      NO_CUSTOMER,
      `MP-2: Graph shows partner ${partnerId} no delegated admin relationship ${gdapId}`,
      true,
    );
  }
  const customerId = graph.customer.tenantId;
  addLogFields({ customerId });
  const done = await withCustomerPartitionForMessage(rt.store, customerId, (state) => {
    const outcome = delegatedAdminFromGraph({
      partnerId,
      customerId,
      relationships: valuesOf(state.relationships),
      graph: { id: graph.id, status: graph.status, customerTenantId: customerId },
      now: rt.now(),
    });
    return Promise.resolve({
      changes: "violation" in outcome ? [] : relationshipChanges(outcome),
      result: outcome,
    });
  });
  await relayOrRetry(rt, done);
  const outcome = done.result;
  if ("violation" in outcome) {
    return nothing(customerId, `${outcome.violation.rule}: ${outcome.violation.message}`, true);
  }
  return {
    customerId,
    moved: [
      { kind: "relationship", id: outcome.relationship.id, from: outcome.relationship.status, path: [] },
    ],
    notes: outcome.changed
      ? [`delegated admin ${graph.id}: ${outcome.relationship.delegatedAdminRelationship?.status ?? "?"}`]
      : ["delegated admin already recorded: a repeated event changes nothing"],
    warn: false,
    attempts: done.attempts,
    writes: done.receipt.operations,
  };
}
