import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";

import { readWebhook } from "../shared/http/input.js";
import { httpOptions } from "../shared/http/register.js";
import { ROUTES } from "../shared/http/routes.js";
import { takeAnswer } from "../shared/pipeline/answer.js";
import { answeringUnavailable } from "../shared/pipeline/failures.js";
import { runtime } from "../shared/pipeline/runtime.js";

const spec = ROUTES.postDeclination;

/** The customer declines the invitation; migrations waiting on it are rejected (REL-2). */
export async function postDeclination(
  request: HttpRequest,
  _context: InvocationContext,
): Promise<HttpResponseInit> {
  const rt = runtime();
  const read = await readWebhook(request, { ...spec, secrets: rt.config.WEBHOOK_SECRETS, now: rt.now() });
  if (!read.ok) return read.response;
  return takeAnswer(rt, request, read.value, {
    relationshipId: read.value.params.id,
    answer: "decline",
    customerUserId: read.value.body.customerUserId,
    reason: read.value.body.reason,
  });
}

app.http(spec.name, httpOptions(spec, answeringUnavailable(postDeclination)));
