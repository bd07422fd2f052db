import { authorizeRelationshipRequest } from "../shared/domain/index.js";
import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { ROUTES } from "../shared/http/routes.js";
import { QUEUES } from "../shared/messaging/messages.js";
import { acceptSubmission } from "../shared/pipeline/submit.js";

const spec = ROUTES.postRelationshipRequest;

/** A partner asks a customer for a reseller relationship (REL-1): stored, queued, answered 202. */
export const postRelationshipRequest = defineRoute(spec, (input) => {
  const { rt, body, request } = input;
  const now = rt.now().toISOString();
  const route = { queue: QUEUES.relationships, authorize: authorizeRelationshipRequest };
  return acceptSubmission(rt, request, input, route, {
    kind: "relationship",
    entity: (id) => ({
      id,
      partnerId: body.partnerId,
      customerId: body.customerId,
      status: "submitted",
      delegatedAdmin: body.delegatedAdmin,
      ...(body.indirectResellerId === undefined ? {} : { indirectResellerId: body.indirectResellerId }),
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
});

registerRoute(spec, postRelationshipRequest);
