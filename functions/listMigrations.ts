import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { ownEntities } from "../shared/pipeline/ownEntities.js";

const spec = ROUTES.listMigrations;

/** A customer's migrations: the caller's own, every partner's for the operator (TEN-2). */
export const listMigrations = defineRoute(spec, async ({ rt, caller, params }) => {
  return json(200, { items: await ownEntities(rt.store, "migration", params.customerId, caller) });
});

registerRoute(spec, listMigrations);
