import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { problem } from "../shared/http/problem.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { redeliver } from "../shared/pipeline/dispatch.js";
import { otherPartnersWebhooks } from "../shared/pipeline/webhookRoutes.js";

const spec = ROUTES.postWebhookRedelivery;

/** One more attempt of a delivery, with the same event id, queued now. */
export const postWebhookRedelivery = defineRoute(spec, async ({ rt, caller, params }) => {
  const { partnerId, name, deliveryId } = params;
  const refused = otherPartnersWebhooks(caller, partnerId);
  if (refused !== undefined) return refused;
  const attempt = await redeliver(rt, partnerId, name, deliveryId);
  if (attempt === undefined) return problem("not-found", `Webhook ${name} has no delivery ${deliveryId}`);
  return json(202, { deliveryId, status: "pending", attempt });
});

registerRoute(spec, postWebhookRedelivery);
