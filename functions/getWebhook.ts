import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { problem } from "../shared/http/problem.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { otherPartnersWebhooks, webhookView } from "../shared/pipeline/webhookRoutes.js";
import { getWebhook as storedWebhook } from "../shared/storage/webhooks.js";

const spec = ROUTES.getWebhook;

/** One subscription, never its secret. */
export const getWebhook = defineRoute(spec, async ({ rt, caller, params }) => {
  const { partnerId, name } = params;
  const refused = otherPartnersWebhooks(caller, partnerId);
  if (refused !== undefined) return refused;
  const found = await storedWebhook(rt.store, partnerId, name);
  if (found === undefined) return problem("not-found", `Partner ${partnerId} has no webhook ${name}`);
  return json(200, webhookView(found));
});

registerRoute(spec, getWebhook);
