import { mayRead } from "../shared/domain/index.js";
import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { listEntities } from "../shared/storage/index.js";

const spec = ROUTES.listMigrations;

/** A customer's migrations: the caller's own, every partner's for the operator (TEN-2). */
export const listMigrations = defineRoute(spec, async ({ rt, caller, params }) => {
  const stored = await listEntities(rt.store, "migration", params.customerId);
  const items = stored.map((entity) => entity.value).filter((value) => mayRead(caller, value.partnerId));
  return json(200, { items });
});

registerRoute(spec, listMigrations);
