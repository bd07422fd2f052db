import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";

import { authorizeMigrationRequest } from "../shared/domain/index.js";
import { readWebhook } from "../shared/http/input.js";
import { httpOptions } from "../shared/http/register.js";
import { ROUTES } from "../shared/http/routes.js";
import { QUEUES } from "../shared/messaging/messages.js";
import { answeringUnavailable } from "../shared/pipeline/failures.js";
import { runtime } from "../shared/pipeline/runtime.js";
import { acceptSubmission } from "../shared/pipeline/submit.js";

const spec = ROUTES.postMigration;

/** Takes a migration request (MIG-1): stored as `submitted`, queued, answered 202; the processor decides it. */
export async function postMigration(
  request: HttpRequest,
  _context: InvocationContext,
): Promise<HttpResponseInit> {
  const rt = runtime();
  const at = rt.now();
  const now = at.toISOString();
  const read = await readWebhook(request, { ...spec, secrets: rt.config.WEBHOOK_SECRETS, now: at });
  if (!read.ok) return read.response;
  const { body } = read.value;
  const route = { queue: QUEUES.migrations, authorize: authorizeMigrationRequest };
  return acceptSubmission(rt, request, read.value, route, {
    kind: "migration",
    entity: (id) => ({
      id,
      partnerId: body.partnerId,
      customerId: body.customerId,
      requestedBy: body.actor,
      status: "submitted",
      relationshipId: null,
      request: body.items,
      items: [],
      violations: [],
      createdAt: now,
      updatedAt: now,
    }),
    message: (id) => ({
      schemaVersion: 1,
      type: "migration-request",
      requestId: id,
      customerId: body.customerId,
      migrationId: id,
    }),
  });
}

app.http(spec.name, httpOptions(spec, answeringUnavailable(postMigration)));
