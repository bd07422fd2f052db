import {
  partnerOf,
  subscriptionChangeViolation,
  subscriptionSchema,
  type Subscription,
  type Violation,
} from "../shared/domain/index.js";
import { defineRoute, registerRoute } from "../shared/http/defineRoute.js";
import { problem } from "../shared/http/problem.js";
import { json } from "../shared/http/respond.js";
import { ROUTES } from "../shared/http/routes.js";
import { subscriptionView } from "../shared/pipeline/views.js";
import { put, withCustomerPartition } from "../shared/storage/index.js";

const spec = ROUTES.putSubscription;

type Outcome =
  | { kind: "no-customer" }
  | { kind: "refused"; refused: Violation }
  | { kind: "created" | "replaced"; subscription: Subscription };

/** MC-5's "enter the existing subscription's details by hand"; TEN-6 keeps each partner's entries its own. */
export const putSubscription = defineRoute(spec, async ({ rt, caller, params, body }) => {
  const { customerId, subscriptionId } = params;
  const { result } = await withCustomerPartition<Outcome>(
    rt.store,
    customerId,
    (state) => {
      if (state.customer === undefined) return { changes: [], result: { kind: "no-customer" } };
      const existing = state.subscriptions.get(subscriptionId)?.value;
      const refused = subscriptionChangeViolation(caller, existing);
      if (refused !== null) return { changes: [], result: { kind: "refused", refused } };
      const subscription = subscriptionSchema.parse({
        id: subscriptionId,
        customerId,
        ...body,
        enteredBy: partnerOf(caller),
      });
      return {
        changes: [put.subscription(subscription)],
        result: { kind: existing === undefined ? "created" : "replaced", subscription },
      };
    },
    { kinds: ["customer", "subscription"] },
  );
  switch (result.kind) {
    case "no-customer":
      return problem(
        "not-found",
        `Customer ${customerId} is not registered: PUT /api/customers/${customerId} first`,
      );
    case "refused":
      return problem("forbidden", result.refused.message, { violations: [result.refused] });
    default:
      return json(result.kind === "created" ? 201 : 200, subscriptionView(caller, result.subscription));
  }
});

registerRoute(spec, putSubscription);
