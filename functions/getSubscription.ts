import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";

import { readParams } from "../shared/http/input.js";
import { problem } from "../shared/http/problem.js";
import { httpOptions } from "../shared/http/register.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { answeringUnavailable } from "../shared/pipeline/failures.js";
import { runtime } from "../shared/pipeline/runtime.js";
import { getEntity } from "../shared/storage/index.js";

const spec = ROUTES.getSubscription;

export async function getSubscription(
  request: HttpRequest,
  _context: InvocationContext,
): Promise<HttpResponseInit> {
  const read = readParams(request, spec.params);
  if (!read.ok) return read.response;
  const { customerId, subscriptionId } = read.value;
  const found = await getEntity(runtime().store, "subscription", customerId, subscriptionId);
  return found === undefined
    ? problem("not-found", `Customer ${customerId} has no subscription ${subscriptionId}`)
    : json(200, found.value);
}

app.http(spec.name, httpOptions(spec, answeringUnavailable(getSubscription)));
