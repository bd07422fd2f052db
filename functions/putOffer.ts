import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";

import { offerSchema } from "../shared/domain/model.js";
import { readWebhook } from "../shared/http/input.js";
import { httpOptions } from "../shared/http/register.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { answeringUnavailable } from "../shared/pipeline/failures.js";
import { runtime } from "../shared/pipeline/runtime.js";
import { putOffer as storeOffer } from "../shared/storage/index.js";

const spec = ROUTES.putOffer;

export async function putOffer(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const rt = runtime();
  const read = await readWebhook(request, { ...spec, secrets: rt.config.WEBHOOK_SECRETS, now: rt.now() });
  if (!read.ok) return read.response;
  const offer = offerSchema.parse({ id: read.value.params.offerId, ...read.value.body });
  const outcome = await storeOffer(rt.store, offer);
  rt.reference.rememberOffer(offer);
  return json(outcome === "created" ? 201 : 200, offer);
}

app.http(spec.name, httpOptions(spec, answeringUnavailable(putOffer)));
