import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";

import { partnerSchema } from "../shared/domain/model.js";
import { readWebhook } from "../shared/http/input.js";
import { httpOptions } from "../shared/http/register.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { answeringUnavailable } from "../shared/pipeline/failures.js";
import { runtime } from "../shared/pipeline/runtime.js";
import { putPartner as storePartner } from "../shared/storage/index.js";

const spec = ROUTES.putPartner;

export async function putPartner(
  request: HttpRequest,
  _context: InvocationContext,
): Promise<HttpResponseInit> {
  const rt = runtime();
  const read = await readWebhook(request, { ...spec, secrets: rt.config.WEBHOOK_SECRETS, now: rt.now() });
  if (!read.ok) return read.response;
  const partner = partnerSchema.parse({ id: read.value.params.partnerId, ...read.value.body });
  const outcome = await storePartner(rt.store, partner);
  rt.reference.rememberPartner(partner);
  return json(outcome === "created" ? 201 : 200, partner);
}

app.http(spec.name, httpOptions(spec, answeringUnavailable(putPartner)));
