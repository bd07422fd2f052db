import { createHash } from "node:crypto";

import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { problem } from "../shared/http/problem.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { QUEUES } from "../shared/messaging/messages.js";

const spec = ROUTES.postPartnerCenterEvent;

/**
 * Partner Center's event, proven by its certificate's signature: queued for the relationship
 * processor, which confirms it as the partner before changing anything, and answered 202 at once.
 * The id is the hash of the partner and the event's bytes, so a repeated event is one message
 * (Service Bus drops the duplicate) and changes nothing twice.
 */
export const postPartnerCenterEvent = defineRoute(spec, async ({ rt, params, body, raw }) => {
  const partner = await rt.reference.partner(params.partnerId);
  if (partner?.partnerCenter === undefined) {
    return problem("not-found", `Partner ${params.partnerId} is not registered with a Partner Center link`);
  }
  const requestId = `pce-${createHash("sha256").update(`${params.partnerId}\n`).update(raw).digest("hex").slice(0, 40)}`;
  await rt.send(QUEUES.relationships, {
    schemaVersion: 1,
    type: "partner-center-event",
    requestId,
    partnerId: params.partnerId,
    event: body,
  });
  return json(202, { id: requestId, status: "queued" });
});

registerRoute(spec, postPartnerCenterEvent);
