import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { problem } from "../shared/http/problem.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { relationshipView } from "../shared/pipeline/views.js";

const spec = ROUTES.getRelationship;

/** A relationship with its history; another partner's is "not found" (TEN-2). */
export const getRelationship = defineRoute(spec, async ({ rt, caller, params }) => {
  const view = await relationshipView(rt.store, params.id, rt.now(), caller);
  return view === undefined ? problem("not-found", `No relationship ${params.id}`) : json(200, view);
});

registerRoute(spec, getRelationship);
