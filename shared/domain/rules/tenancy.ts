/** Rules about who may deal with whom at all: CLOUD-1, MC-7 and (for migrations) MIG-7. */
import type { Customer, Partner, Violation } from "../model.js";
import { violation } from "../violations.js";

/** CLOUD-1 and MC-7, which hold for relationships and migrations alike. */
export function tenancyViolations(partner: Partner, customer: Customer): Violation[] {
  const found: Violation[] = [];
  // CLOUD-1 (inference): each cloud instance is a separate Partner Center; no dealings across them.
  if (partner.cloud !== customer.cloud) {
    found.push(
      violation(
        "CLOUD-1",
        `Partner ${partner.id} is in the ${partner.cloud} cloud but customer ${customer.id} is in the ${customer.cloud} cloud; both must be in the same cloud instance`,
      ),
    );
  }
  // MC-7: a CSP partner cannot resell online services to another CSP partner.
  if (customer.isCspPartner) {
    found.push(
      violation(
        "MC-7",
        `Customer ${customer.id} is itself a CSP partner; a CSP partner cannot resell online services to another CSP partner`,
      ),
    );
  }
  return found;
}

/** MIG-7: the partner's location must be in the same region as the customer tenant being migrated. */
export function regionViolations(partner: Partner, customer: Customer): Violation[] {
  if (partner.region === customer.region) return [];
  return [
    violation(
      "MIG-7",
      `Partner region ${partner.region} differs from customer tenant region ${customer.region}`,
    ),
  ];
}
