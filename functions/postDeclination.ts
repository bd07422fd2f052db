import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { ROUTES } from "../shared/http/routes.js";
import { takeAnswer } from "../shared/pipeline/answer.js";

const spec = ROUTES.postDeclination;

/** The customer's Global Administrator declines the invitation (TEN-3). */
export const postDeclination = defineRoute(spec, (input) =>
  takeAnswer(input.rt, input.request, input, {
    relationshipId: input.params.id,
    answer: "decline",
    reason: input.body.reason,
  }),
);

registerRoute(spec, postDeclination);
