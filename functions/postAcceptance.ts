import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";

import { readWebhook } from "../shared/http/input.js";
import { httpOptions } from "../shared/http/register.js";
import { ROUTES } from "../shared/http/routes.js";
import { takeAnswer } from "../shared/pipeline/answer.js";
import { answeringUnavailable } from "../shared/pipeline/failures.js";
import { runtime } from "../shared/pipeline/runtime.js";

const spec = ROUTES.postAcceptance;

/** The customer accepts the partner's invitation (REL-2); migrations waiting on it then proceed. */
export async function postAcceptance(
  request: HttpRequest,
  _context: InvocationContext,
): Promise<HttpResponseInit> {
  const rt = runtime();
  const read = await readWebhook(request, { ...spec, secrets: rt.config.WEBHOOK_SECRETS, now: rt.now() });
  if (!read.ok) return read.response;
  return takeAnswer(rt, request, read.value, {
    relationshipId: read.value.params.id,
    answer: "accept",
    customerUserId: read.value.body.customerUserId,
  });
}

app.http(spec.name, httpOptions(spec, answeringUnavailable(postAcceptance)));
