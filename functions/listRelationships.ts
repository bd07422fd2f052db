import { mayRead } from "../shared/domain/index.js";
import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { listEntities } from "../shared/storage/index.js";

const spec = ROUTES.listRelationships;

/** A customer's relationships: the caller's own, every partner's for the operator (MP-1, TEN-2). */
export const listRelationships = defineRoute(spec, async ({ rt, caller, params }) => {
  const stored = await listEntities(rt.store, "relationship", params.customerId);
  const items = stored.map((entity) => entity.value).filter((value) => mayRead(caller, value.partnerId));
  return json(200, { items });
});

registerRoute(spec, listRelationships);
