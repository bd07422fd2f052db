/**
 * TEN-1…TEN-6: who may act and read, as pure decisions over the proven caller (never a claim in a
 * body). The HTTP edge proves the caller; these say what that caller may do.
 */
import { ENTRA_ROLE_IDS } from "../../auth/entraRoles.js";
import type { Customer, Subscription, Violation } from "../model.js";
import { violation } from "../violations.js";

export type Caller =
  | { kind: "operator"; keyId: string }
  | { kind: "partner"; keyId: string; partnerId: string }
  | {
      kind: "customer";
      tenantId: string;
      objectId: string;
      username: string | undefined;
      roleIds: readonly string[];
    }
  /** Partner Center itself, proven by its certificate's signature over the event (TEN-3). */
  | { kind: "partner-center"; certificateThumbprint: string };
export type CallerKind = Caller["kind"];

const WHO: Readonly<Record<CallerKind, string>> = {
  operator: "an operator's key",
  partner: "a partner's key",
  customer: "a customer's token",
  "partner-center": "Partner Center's signed event",
};

/**
 * Whether this kind of caller may use a route at all. TEN-3 for answers (only the customer) and for
 * customers elsewhere (their token answers invitations and nothing else), TEN-4 for the operator's
 * routes, TEN-1 for a partner's (the operator does not act for a partner), PC-1 for Partner Center's
 * events (its signature posts them and nothing else).
 */
export function callerKindViolation(allowed: readonly CallerKind[], caller: Caller): Violation | null {
  if (allowed.includes(caller.kind)) return null;
  const rule =
    allowed.includes("partner-center") || caller.kind === "partner-center"
      ? "PC-1"
      : allowed.includes("customer") || caller.kind === "customer"
        ? "TEN-3"
        : allowed.length === 1 && allowed[0] === "operator"
          ? "TEN-4"
          : "TEN-1";
  const messages = {
    "PC-1": allowed.includes("partner-center")
      ? `Only Partner Center's signature posts its events; ${WHO[caller.kind]} may not`
      : "Partner Center's signature only posts its events",
    "TEN-3": allowed.includes("customer")
      ? `Only the customer tenant's administrator answers an invitation; ${WHO[caller.kind]} may not`
      : "A customer's token only answers invitations",
    "TEN-4": `This belongs to the operator; ${WHO[caller.kind]} may not use it`,
    "TEN-1": `Only a partner's own key acts for that partner; ${WHO[caller.kind]} may not`,
  } as const;
  return violation(rule, messages[rule]);
}

/** The partner a caller is, if it is one. */
export function partnerOf(caller: Caller): string | undefined {
  return caller.kind === "partner" ? caller.partnerId : undefined;
}

/** TEN-1: a partner acts only as itself. */
export function actsAsItself(caller: Caller, partnerId: string): Violation | null {
  if (caller.kind !== "partner" || caller.partnerId === partnerId) return null;
  return violation(
    "TEN-1",
    `The request acts for partner ${partnerId} but is signed by partner ${caller.partnerId}'s key`,
  );
}

/** TEN-2: the operator reads everything; a partner only what is its own. */
export function mayRead(caller: Caller, ownerPartnerId: string | undefined): boolean {
  if (caller.kind === "operator") return true;
  return caller.kind === "partner" && ownerPartnerId !== undefined && caller.partnerId === ownerPartnerId;
}

/** TEN-2 for a subscription: its own partner is the one that entered it or its partner of record. */
export function mayReadSubscription(caller: Caller, subscription: Subscription): boolean {
  return mayRead(caller, subscription.enteredBy) || mayRead(caller, subscription.partnerOfRecord);
}

/**
 * TEN-3: an answer needs a token of the relationship's customer tenant that holds the Global
 * Administrator role, as Partner Center asks of the customer.
 */
export function answerViolation(caller: Caller, customerId: string): Violation | null {
  if (caller.kind !== "customer") return callerKindViolation(["customer"], caller);
  if (caller.tenantId !== customerId) {
    return violation("TEN-3", `The token is of tenant ${caller.tenantId}, not of customer ${customerId}`);
  }
  if (!caller.roleIds.includes(ENTRA_ROLE_IDS["global-admin"])) {
    return violation(
      "TEN-3",
      "Only a Global Administrator of the customer tenant answers an invitation; the token holds no such role",
    );
  }
  return null;
}

/**
 * TEN-5: a customer's profile is shared by every partner working with it (MP-1). A partner may enter
 * one that does not exist and send it again unchanged; region, cloud and isCspPartner of an existing
 * profile — what MIG-7, CLOUD-1 and MC-7 decide on — change only by the operator. The partner that
 * entered the profile may still correct its name.
 */
export function customerChangeViolation(
  caller: Caller,
  existing: Customer | undefined,
  next: Customer,
): Violation | null {
  if (caller.kind === "operator" || existing === undefined) return null;
  const partnerId = partnerOf(caller);
  const changed = (["region", "cloud", "isCspPartner", "name"] as const).filter(
    (field) => existing[field] !== next[field],
  );
  const allowed = existing.enteredBy !== undefined && existing.enteredBy === partnerId ? ["name"] : [];
  const refused = changed.filter((field) => !allowed.includes(field));
  if (refused.length === 0) return null;
  return violation(
    "TEN-5",
    `Customer ${existing.id}'s ${refused.join(", ")} may be changed only by the operator${
      refused.includes("name") ? " (its name also by the partner that entered it)" : ""
    }`,
  );
}

/**
 * TEN-6: a subscription entered by hand belongs to the partner that entered it; another partner
 * may not replace it (its decisions — MC-3, MC-6, MIG-4 — rest on it). Only the operator changes
 * one entered by the operator or made by the service.
 */
export function subscriptionChangeViolation(
  caller: Caller,
  existing: Subscription | undefined,
): Violation | null {
  if (caller.kind === "operator" || existing === undefined) return null;
  const partnerId = partnerOf(caller);
  if (existing.enteredBy !== undefined && existing.enteredBy === partnerId) return null;
  return violation(
    "TEN-6",
    `Subscription ${existing.id} was not entered by partner ${partnerId ?? "?"}; only the partner that entered it or the operator may change it`,
  );
}
