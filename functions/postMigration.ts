import { authorizeMigrationRequest } from "../shared/domain/index.js";
import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { ROUTES } from "../shared/http/routes.js";
import { QUEUES } from "../shared/messaging/messages.js";
import { acceptSubmission } from "../shared/pipeline/submit.js";
import { migrationSubmission } from "../shared/pipeline/submittedMigration.js";

const spec = ROUTES.postMigration;

/** Takes a migration request (MIG-1): stored as `submitted`, queued, answered 202; the processor decides it. */
export const postMigration = defineRoute(spec, (input) => {
  const { rt, body, request } = input;
  const route = { queue: QUEUES.migrations, authorize: authorizeMigrationRequest };
  return acceptSubmission(rt, request, input, route, migrationSubmission(body, rt.now()));
});

registerRoute(spec, postMigration);
