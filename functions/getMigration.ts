import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { problem } from "../shared/http/problem.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { migrationView } from "../shared/pipeline/views.js";

const spec = ROUTES.getMigration;

/** A migration with its line items and history; another partner's is "not found" (TEN-2). */
export const getMigration = defineRoute(spec, async ({ rt, caller, params }) => {
  const view = await migrationView(rt.store, params.id, rt.now(), caller);
  return view === undefined ? problem("not-found", `No migration ${params.id}`) : json(200, view);
});

registerRoute(spec, getMigration);
