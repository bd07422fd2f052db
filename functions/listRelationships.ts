import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { ownEntities } from "../shared/pipeline/ownEntities.js";

const spec = ROUTES.listRelationships;

/** A customer's relationships: the caller's own, every partner's for the operator (MP-1, TEN-2). */
export const listRelationships = defineRoute(spec, async ({ rt, caller, params }) => {
  return json(200, { items: await ownEntities(rt.store, "relationship", params.customerId, caller) });
});

registerRoute(spec, listRelationships);
