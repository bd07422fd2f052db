import { mayReadSubscription } from "../shared/domain/index.js";
import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { problem } from "../shared/http/problem.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { subscriptionView } from "../shared/pipeline/views.js";
import { getEntity } from "../shared/storage/index.js";

const spec = ROUTES.getSubscription;

/** A subscription as stored, to the partner that entered it or is its partner of record (TEN-2). */
export const getSubscription = defineRoute(spec, async ({ rt, caller, params }) => {
  const { customerId, subscriptionId } = params;
  const found = await getEntity(rt.store, "subscription", customerId, subscriptionId);
  return found === undefined || !mayReadSubscription(caller, found.value)
    ? problem("not-found", `Customer ${customerId} has no subscription ${subscriptionId}`)
    : json(200, subscriptionView(caller, found.value));
});

registerRoute(spec, getSubscription);
