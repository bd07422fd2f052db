import {
  customerChangeViolation,
  customerSchema,
  partnerOf,
  type Customer,
  type Violation,
} from "../shared/domain/index.js";
import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { problem } from "../shared/http/problem.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { customerView } from "../shared/pipeline/views.js";
import { put, withCustomerPartition } from "../shared/storage/index.js";

const spec = ROUTES.putCustomer;

type Outcome = { refused: Violation } | { customer: Customer; created: boolean };

/** A partner enters a customer's profile, or the operator corrects one; TEN-5 says who may change what. */
export const putCustomer = defineRoute(spec, async ({ rt, caller, params, body }) => {
  const { result } = await withCustomerPartition<Outcome>(
    rt.store,
    params.customerId,
    (state) => {
      const existing = state.customer?.value;
      // The partner that first enters the profile stays its entering partner (TEN-5).
      const enteredBy = existing === undefined ? partnerOf(caller) : existing.enteredBy;
      const customer = customerSchema.parse({
        id: params.customerId,
        ...body,
        ...(enteredBy === undefined ? {} : { enteredBy }),
      });
      const refused = customerChangeViolation(caller, existing, customer);
      if (refused !== null) return { changes: [], result: { refused } };
      return { changes: [put.customer(customer)], result: { customer, created: existing === undefined } };
    },
    { kinds: ["customer"] },
  );
  if ("refused" in result) {
    return problem("forbidden", result.refused.message, { violations: [result.refused] });
  }
  return json(result.created ? 201 : 200, customerView(caller, result.customer));
});

registerRoute(spec, putCustomer);
