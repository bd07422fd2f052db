/** Reference data the HTTP tests register: valid bodies (test/setup/bodies.ts), and the operator's PUT of a partner and of a customer. */
import { expect } from "vitest";

import { putCustomer } from "../../../functions/putCustomer.js";
import { putPartner } from "../../../functions/putPartner.js";
import { customerBody, partnerBody } from "../../setup/bodies.js";
import { call } from "./support.js";

export { azurePlanBody, customerBody, partnerBody, subscriptionBody } from "../../setup/bodies.js";

/** The operator registers a new partner (201). */
export async function registerPartner(partnerId: string): Promise<void> {
  const answer = await call(putPartner, "PUT", `/api/partners/${partnerId}`, {
    params: { partnerId },
    body: partnerBody,
  });
  expect(answer.status, answer.text).toBe(201);
}

/** The operator registers a new customer (201). */
export async function registerCustomer(customerId: string): Promise<void> {
  const answer = await call(putCustomer, "PUT", `/api/customers/${customerId}`, {
    params: { customerId },
    body: customerBody,
  });
  expect(answer.status, answer.text).toBe(201);
}
