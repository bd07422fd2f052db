import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { deliveryView, hiddenWebhooks } from "../shared/pipeline/webhookRoutes.js";
import { listDeliveries } from "../shared/storage/webhooks.js";

const spec = ROUTES.listWebhookDeliveries;

/** A subscription's deliveries, e.g. `?status=failed`: those past their last retry, to redeliver; another partner's are 404 (TEN-2). */
export const listWebhookDeliveries = defineRoute(spec, async ({ rt, caller, params, query }) => {
  const { partnerId, name } = params;
  const hidden = hiddenWebhooks(caller, partnerId, `Partner ${partnerId} has no webhook ${name}`);
  if (hidden !== undefined) return hidden;
  const items = await listDeliveries(rt.store, partnerId, name, query.status);
  return json(200, { items: items.map(deliveryView) });
});

registerRoute(spec, listWebhookDeliveries);
