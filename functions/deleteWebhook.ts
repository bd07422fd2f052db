import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { problem } from "../shared/http/problem.js";
import { ROUTES } from "../shared/http/routes.js";
import { otherPartnersWebhooks } from "../shared/pipeline/webhookRoutes.js";
import { deleteWebhook as removeWebhook } from "../shared/storage/webhooks.js";

const spec = ROUTES.deleteWebhook;

/** Removes a subscription: attempts still queued for it fail, saying it was deleted. */
export const deleteWebhook = defineRoute(spec, async ({ rt, caller, params }) => {
  const { partnerId, name } = params;
  const refused = otherPartnersWebhooks(caller, partnerId);
  if (refused !== undefined) return refused;
  if (!(await removeWebhook(rt.store, partnerId, name))) {
    return problem("not-found", `Partner ${partnerId} has no webhook ${name}`);
  }
  return { status: 204 };
});

registerRoute(spec, deleteWebhook);
