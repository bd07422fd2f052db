import { actsAsItself } from "../shared/domain/index.js";
import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { problem } from "../shared/http/problem.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { checkReadiness } from "../shared/pipeline/readiness.js";

const spec = ROUTES.postMigrationValidation;

/** The processor's decision on today's state, answered at once; a partner checks only as itself (TEN-1). */
export const postMigrationValidation = defineRoute(spec, async ({ rt, caller, body }) => {
  const forbidden = actsAsItself(caller, body.partnerId);
  if (forbidden !== null) return problem("forbidden", forbidden.message, { violations: [forbidden] });
  return json(200, await checkReadiness(rt, body));
});

registerRoute(spec, postMigrationValidation);
