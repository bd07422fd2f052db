/** Valid request bodies, as plain data: for in-process calls and for the end-to-end tests' HTTP alike. */
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
/** An Azure plan (usage, no seats) bought outside CSP; spread `channel: "csp", partnerOfRecord` over it for one from another CSP partner. */
export const azurePlanBody = {
  offerId: "azure-plan",
  kind: "usage",
  channel: "ea",
  termStart: subscriptionBody.termStart,
  termEnd: subscriptionBody.termEnd,
  billingCycle: "monthly",
  status: "active",
};
