import { authorizeMigrationRequest } from "../shared/domain/index.js";
import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { ROUTES } from "../shared/http/routes.js";
import { QUEUES } from "../shared/messaging/messages.js";
import { acceptSubmission } from "../shared/pipeline/submit.js";
import { submittedMigration } from "../shared/pipeline/submittedMigration.js";

const spec = ROUTES.postMigration;

/** Takes a migration request (MIG-1): stored as `submitted`, queued, answered 202; the processor decides it. */
export const postMigration = defineRoute(spec, (input) => {
  const { rt, body, request } = input;
  const now = rt.now();
  const route = { queue: QUEUES.migrations, authorize: authorizeMigrationRequest };
  return acceptSubmission(rt, request, input, route, {
    kind: "migration",
    entity: (id) => submittedMigration(id, body, now),
    message: (id) => ({
      schemaVersion: 1,
      type: "migration-request",
      requestId: id,
      customerId: body.customerId,
      migrationId: id,
    }),
  });
});

registerRoute(spec, postMigration);
