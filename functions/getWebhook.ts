import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { problem } from "../shared/http/problem.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { hiddenWebhooks, webhookView } from "../shared/pipeline/webhookRoutes.js";
import { getWebhook as storedWebhook } from "../shared/storage/webhooks.js";

const spec = ROUTES.getWebhook;

/** One subscription, never its secret; another partner's is 404 (TEN-2). */
export const getWebhook = defineRoute(spec, async ({ rt, caller, params }) => {
  const { partnerId, name } = params;
  const missing = `Partner ${partnerId} has no webhook ${name}`;
  const hidden = hiddenWebhooks(caller, partnerId, missing);
  if (hidden !== undefined) return hidden;
  const found = await storedWebhook(rt.store, partnerId, name);
  if (found === undefined) return problem("not-found", missing);
  return json(200, webhookView(found));
});

registerRoute(spec, getWebhook);
