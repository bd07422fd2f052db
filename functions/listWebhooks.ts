import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { otherPartnersWebhooks, webhookView } from "../shared/pipeline/webhookRoutes.js";
import { listWebhooks as storedWebhooks } from "../shared/storage/webhooks.js";

const spec = ROUTES.listWebhooks;

/** A partner's subscriptions, never a secret. */
export const listWebhooks = defineRoute(spec, async ({ rt, caller, params }) => {
  const refused = otherPartnersWebhooks(caller, params.partnerId);
  if (refused !== undefined) return refused;
  return json(200, { items: (await storedWebhooks(rt.store, params.partnerId)).map(webhookView) });
});

registerRoute(spec, listWebhooks);
