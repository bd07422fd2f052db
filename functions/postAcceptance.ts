import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { ROUTES } from "../shared/http/routes.js";
import { takeAnswer } from "../shared/pipeline/answer.js";

const spec = ROUTES.postAcceptance;

/** The customer's Global Administrator accepts (REL-2, TEN-3); migrations waiting on it then proceed. */
export const postAcceptance = defineRoute(spec, (input) =>
  takeAnswer(input.rt, input.request, input, { relationshipId: input.params.id, answer: "accept" }),
);

registerRoute(spec, postAcceptance);
