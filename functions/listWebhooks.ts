import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { hiddenWebhooks, webhookView } from "../shared/pipeline/webhookRoutes.js";
import { listWebhooks as storedWebhooks } from "../shared/storage/webhooks.js";

const spec = ROUTES.listWebhooks;

/** A partner's subscriptions, never a secret; another partner's are 404 (TEN-2). */
export const listWebhooks = defineRoute(spec, async ({ rt, caller, params }) => {
  const hidden = hiddenWebhooks(caller, params.partnerId, `No webhooks of partner ${params.partnerId}`);
  if (hidden !== undefined) return hidden;
  return json(200, { items: (await storedWebhooks(rt.store, params.partnerId)).map(webhookView) });
});

registerRoute(spec, listWebhooks);
