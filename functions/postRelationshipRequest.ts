import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";

import { authorizeRelationshipRequest } from "../shared/domain/index.js";
import { readWebhook } from "../shared/http/input.js";
import { httpOptions } from "../shared/http/register.js";
import { ROUTES } from "../shared/http/routes.js";
import { QUEUES } from "../shared/messaging/messages.js";
import { answeringUnavailable } from "../shared/pipeline/failures.js";
import { runtime } from "../shared/pipeline/runtime.js";
import { acceptSubmission } from "../shared/pipeline/submit.js";

const spec = ROUTES.postRelationshipRequest;

/** REL-1: a partner asks the customer for a reseller relationship; the processor decides and invites. */
export async function postRelationshipRequest(
  request: HttpRequest,
  _context: InvocationContext,
): Promise<HttpResponseInit> {
  const rt = runtime();
  const at = rt.now();
  const now = at.toISOString();
  const read = await readWebhook(request, { ...spec, secrets: rt.config.WEBHOOK_SECRETS, now: at });
  if (!read.ok) return read.response;
  const { body } = read.value;
  const route = { queue: QUEUES.relationships, authorize: authorizeRelationshipRequest };
  return acceptSubmission(rt, request, read.value, route, {
    kind: "relationship",
    entity: (id) => ({
      id,
      partnerId: body.partnerId,
      customerId: body.customerId,
      status: "submitted",
      delegatedAdmin: body.delegatedAdmin,
      requestedBy: body.actor,
      createdAt: now,
      updatedAt: now,
      violations: [],
    }),
    message: (id) => ({
      schemaVersion: 1,
      type: "relationship-request",
      requestId: id,
      customerId: body.customerId,
      relationshipId: id,
    }),
  });
}

app.http(spec.name, httpOptions(spec, answeringUnavailable(postRelationshipRequest)));
