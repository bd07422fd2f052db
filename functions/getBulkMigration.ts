import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { problem } from "../shared/http/problem.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { bulkProgress } from "../shared/pipeline/bulkProgress.js";

const spec = ROUTES.getBulkMigration;

/** A bulk migration's progress; another partner's is 404 (TEN-2). */
export const getBulkMigration = defineRoute(spec, async ({ rt, caller, params, query }) => {
  const progress = await bulkProgress(rt, params.id, caller, query.continuationToken);
  if (progress === undefined) return problem("not-found", `Bulk migration ${params.id} was not found`);
  return json(200, progress);
});

registerRoute(spec, getBulkMigration);
