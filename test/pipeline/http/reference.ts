/** Reference data the HTTP tests register: valid bodies, and the operator's PUT of a partner. */
import { expect } from "vitest";

import { putPartner } from "../../../functions/putPartner.js";
import { call } from "./support.js";

export const partnerBody = { name: "Contoso CSP", region: "US", cloud: "public", kind: "direct" };
export const customerBody = { name: "Fabrikam", region: "US", cloud: "public", isCspPartner: false };
export const subscriptionBody = {
  offerId: "o365-e3",
  kind: "license",
  channel: "ea",
  seats: 25,
  termStart: "2026-01-01T00:00:00Z",
  termEnd: "2027-01-01T00:00:00Z",
  billingCycle: "annual",
  status: "active",
};

/** The operator registers a new partner (201). */
export async function registerPartner(partnerId: string): Promise<void> {
  const answer = await call(putPartner, "PUT", `/api/partners/${partnerId}`, {
    params: { partnerId },
    body: partnerBody,
  });
  expect(answer.status, answer.text).toBe(201);
}
