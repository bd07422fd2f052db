/**
 * Entra ID directory role template ids, as they appear in a token's `wids` claim. Partner Center asks
 * the customer's Global Administrator to accept a reseller relationship (TEN-3).
 */
export const ENTRA_ROLE_IDS = {
  "global-admin": "62e90394-69f5-4237-9190-012177145e10",
  "user-admin": "fe930be7-5e62-47db-91af-98c3a49a38b1",
} as const;

export type EntraRoleName = keyof typeof ENTRA_ROLE_IDS;
