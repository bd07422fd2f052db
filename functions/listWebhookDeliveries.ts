import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { deliveryView, otherPartnersWebhooks } from "../shared/pipeline/webhookRoutes.js";
import { listDeliveries } from "../shared/storage/webhooks.js";

const spec = ROUTES.listWebhookDeliveries;

/** A subscription's deliveries, e.g. `?status=failed`: those past their last retry, to redeliver. */
export const listWebhookDeliveries = defineRoute(spec, async ({ rt, caller, params, query }) => {
  const { partnerId, name } = params;
  const refused = otherPartnersWebhooks(caller, partnerId);
  if (refused !== undefined) return refused;
  const items = await listDeliveries(rt.store, partnerId, name, query.status);
  return json(200, { items: items.map(deliveryView) });
});

registerRoute(spec, listWebhookDeliveries);
