import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { ROUTES } from "../shared/http/routes.js";
import { acceptBulk } from "../shared/pipeline/bulk.js";

const spec = ROUTES.postBulkMigration;

/** Takes a bulk migration: every row checked, the plan stored whole, its chunks queued; 202 with the batch id. */
export const postBulkMigration = defineRoute(spec, (input) => acceptBulk(input.rt, input));

registerRoute(spec, postBulkMigration);
