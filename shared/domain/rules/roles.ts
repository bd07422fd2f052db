/** ROLE-1 and ROLE-2: which partner-side roles may ask for what. The HTTP layer answers 403 with the violation. */
import type { Actor, Violation } from "../model.js";
import { violation } from "../violations.js";

/** ROLE-1 (shared/domain/RULES.md): who may ask a customer for a reseller relationship. */
export const RELATIONSHIP_REQUEST_ROLES: readonly string[] = ["global-admin", "user-admin", "sales-agent"];
/** ROLE-2 (shared/domain/RULES.md): who may move license-based customers into CSP. */
export const MIGRATION_REQUEST_ROLES: readonly string[] = ["account-admin", "sales-agent", "billing-agent"];

/** ROLE-1: null when the actor may request a reseller relationship, else the violation. */
export function authorizeRelationshipRequest(actor: Actor): Violation | null {
  if (RELATIONSHIP_REQUEST_ROLES.includes(actor.role)) return null;
  return violation(
    "ROLE-1",
    `User ${actor.userId} has role "${actor.role}"; requesting a reseller relationship needs one of ${RELATIONSHIP_REQUEST_ROLES.join(", ")}`,
  );
}

/** ROLE-2: null when the actor may request a migration, else the violation. */
export function authorizeMigrationRequest(actor: Actor): Violation | null {
  if (MIGRATION_REQUEST_ROLES.includes(actor.role)) return null;
  return violation(
    "ROLE-2",
    `User ${actor.userId} has role "${actor.role}"; moving subscriptions into CSP needs one of ${MIGRATION_REQUEST_ROLES.join(", ")}`,
  );
}
