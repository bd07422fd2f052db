import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";

import { subscriptionSchema } from "../shared/domain/model.js";
import { readWebhook } from "../shared/http/input.js";
import { problem } from "../shared/http/problem.js";
import { httpOptions } from "../shared/http/register.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { answeringUnavailable } from "../shared/pipeline/failures.js";
import { runtime } from "../shared/pipeline/runtime.js";
import { put, withCustomerPartition } from "../shared/storage/index.js";

const spec = ROUTES.putSubscription;

/** MC-5's "enter the existing subscription's details by hand": a customer's subscription as bought elsewhere. */
export async function putSubscription(
  request: HttpRequest,
  _context: InvocationContext,
): Promise<HttpResponseInit> {
  const rt = runtime();
  const read = await readWebhook(request, { ...spec, secrets: rt.config.WEBHOOK_SECRETS, now: rt.now() });
  if (!read.ok) return read.response;
  const { customerId, subscriptionId } = read.value.params;
  const subscription = subscriptionSchema.parse({ id: subscriptionId, customerId, ...read.value.body });
  const { result } = await withCustomerPartition(
    rt.store,
    customerId,
    (state) =>
      state.customer === undefined
        ? { changes: [], result: "no-customer" as const }
        : {
            changes: [put.subscription(subscription)],
            result: state.subscriptions.has(subscriptionId) ? ("replaced" as const) : ("created" as const),
          },
    { kinds: ["customer", "subscription"] },
  );
  if (result === "no-customer") {
    return problem(
      "not-found",
      `Customer ${customerId} is not registered: PUT /api/customers/${customerId} first`,
    );
  }
  return json(result === "created" ? 201 : 200, subscription);
}

app.http(spec.name, httpOptions(spec, answeringUnavailable(putSubscription)));
