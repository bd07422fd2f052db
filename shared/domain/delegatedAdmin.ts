/**
 * The delegated admin (GDAP) relationship a partner asks of a customer, as Graph is to be asked for
 * it (MP-2): its roles from the partner's role template, its duration, whether it renews itself, and
 * a display name fixed by the service's relationship, so that a retry finds the one it created.
 * Pure: the caller sends it.
 */
import { createHash } from "node:crypto";

import type { DelegatedAdminRoleTemplate } from "./model.js";

/** Entra ID built-in role template ids, as Graph's unifiedRoles name them. */
export const ENTRA_ROLE_DEFINITIONS = {
  globalAdministrator: "62e90394-69f5-4237-9190-012177145e10",
  userAdministrator: "fe930be7-5e62-47db-91af-98c3a49a38b1",
  licenseAdministrator: "4d6ac14f-3453-41d0-bef9-a3e0c569773a",
  directoryReaders: "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",
  helpdeskAdministrator: "729827e3-9c14-49f7-bb1b-9608f156bbb8",
  serviceSupportAdministrator: "f023fd81-a637-4b56-95fd-791ac0226033",
} as const;

const roles = ENTRA_ROLE_DEFINITIONS;
export const ROLE_TEMPLATE_ROLES: Record<DelegatedAdminRoleTemplate, readonly string[]> = {
  "license-management": [roles.userAdministrator, roles.licenseAdministrator, roles.directoryReaders],
  helpdesk: [roles.helpdeskAdministrator, roles.serviceSupportAdministrator, roles.directoryReaders],
  "global-admin": [roles.globalAdministrator],
};
export const DEFAULT_ROLE_TEMPLATE: DelegatedAdminRoleTemplate = "license-management";

/** Graph renews a relationship by this much at its end, unless it grants Global Administrator. */
export const AUTO_EXTEND_DURATION = "P180D";
const NO_AUTO_EXTEND = "PT0S";
/** Graph's limit on a relationship's display name, unique among the partner's relationships. */
const DISPLAY_NAME_MAX = 50;

export interface DelegatedAdminPlan {
  readonly displayName: string;
  readonly duration: string;
  readonly customer: { readonly tenantId: string; readonly displayName: string };
  readonly roleTemplate: DelegatedAdminRoleTemplate;
  readonly roleDefinitionIds: readonly string[];
  readonly autoExtendDuration: string;
}

/** The display name of the GDAP relationship for one of the service's relationships: the same on every retry. */
export function delegatedAdminDisplayName(relationshipId: string): string {
  const digest = createHash("sha256").update(relationshipId).digest("hex");
  return `csp-onboarding ${digest.slice(0, 32)}`.slice(0, DISPLAY_NAME_MAX);
}

export function planDelegatedAdmin(input: {
  relationshipId: string;
  customer: { id: string; name: string };
  roleTemplate: DelegatedAdminRoleTemplate | undefined;
  /** ISO 8601 days (setting DELEGATED_ADMIN_DURATION). */
  duration: string;
}): DelegatedAdminPlan {
  const roleTemplate = input.roleTemplate ?? DEFAULT_ROLE_TEMPLATE;
  const roleDefinitionIds = ROLE_TEMPLATE_ROLES[roleTemplate];
  // Graph does not auto-extend a relationship that grants Global Administrator.
  const grantsGlobalAdmin = roleDefinitionIds.includes(roles.globalAdministrator);
  return {
    displayName: delegatedAdminDisplayName(input.relationshipId),
    duration: input.duration,
    customer: { tenantId: input.customer.id, displayName: input.customer.name },
    roleTemplate,
    roleDefinitionIds,
    autoExtendDuration: grantsGlobalAdmin ? NO_AUTO_EXTEND : AUTO_EXTEND_DURATION,
  };
}

/** Where the customer's administrator reviews and approves a GDAP relationship, in Microsoft's admin center. */
export function delegatedAdminApprovalUrl(gdapId: string): string {
  return `https://admin.microsoft.com/AdminPortal/Home#/partners/invitation/granularAdminRelationships/${encodeURIComponent(gdapId)}`;
}
