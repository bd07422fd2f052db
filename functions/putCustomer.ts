import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";

import { customerSchema } from "../shared/domain/model.js";
import { readWebhook } from "../shared/http/input.js";
import { httpOptions } from "../shared/http/register.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { answeringUnavailable } from "../shared/pipeline/failures.js";
import { runtime } from "../shared/pipeline/runtime.js";
import { put, withCustomerPartition } from "../shared/storage/index.js";

const spec = ROUTES.putCustomer;

export async function putCustomer(
  request: HttpRequest,
  _context: InvocationContext,
): Promise<HttpResponseInit> {
  const rt = runtime();
  const read = await readWebhook(request, { ...spec, secrets: rt.config.WEBHOOK_SECRETS, now: rt.now() });
  if (!read.ok) return read.response;
  const customer = customerSchema.parse({ id: read.value.params.customerId, ...read.value.body });
  const { result: created } = await withCustomerPartition(
    rt.store,
    customer.id,
    (state) => ({ changes: [put.customer(customer)], result: state.customer === undefined }),
    { kinds: ["customer"] },
  );
  return json(created ? 201 : 200, customer);
}

app.http(spec.name, httpOptions(spec, answeringUnavailable(putCustomer)));
