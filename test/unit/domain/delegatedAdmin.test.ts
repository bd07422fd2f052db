import { describe, expect, it } from "vitest";

import {
  delegatedAdminDisplayName,
  ENTRA_ROLE_DEFINITIONS,
  planDelegatedAdmin,
  ROLE_TEMPLATE_ROLES,
} from "../../../shared/domain/index.js";
import type { DelegatedAdminRoleTemplate } from "../../../shared/domain/index.js";

const plan = (roleTemplate: DelegatedAdminRoleTemplate | undefined) =>
  planDelegatedAdmin({
    relationshipId: "rel-1",
    customer: { id: "fabrikam", name: "Fabrikam" },
    roleTemplate,
    duration: "P730D",
  });

describe("the GDAP relationship asked of Graph (MP-2)", () => {
  it.each([
    [undefined, "license-management", "P180D"],
    ["license-management", "license-management", "P180D"],
    ["helpdesk", "helpdesk", "P180D"],
    // Graph never auto-extends a relationship that grants Global Administrator.
    ["global-admin", "global-admin", "PT0S"],
  ] as const)("role template %s → the roles of %s, auto-extended by %s", (asked, template, autoExtend) => {
    const planned = plan(asked);
    expect(planned.roleTemplate).toBe(template);
    expect(planned.roleDefinitionIds).toEqual(ROLE_TEMPLATE_ROLES[template]);
    expect(planned.autoExtendDuration).toBe(autoExtend);
    expect(planned).toMatchObject({
      duration: "P730D",
      customer: { tenantId: "fabrikam", displayName: "Fabrikam" },
    });
  });

  it("only global-admin grants Global Administrator", () => {
    const granting = Object.entries(ROLE_TEMPLATE_ROLES)
      .filter(([, roles]) => roles.includes(ENTRA_ROLE_DEFINITIONS.globalAdministrator))
      .map(([name]) => name);
    expect(granting).toEqual(["global-admin"]);
  });

  it("its display name is fixed by the relationship (so a retry finds it), unique per relationship, within Graph's 50", () => {
    expect(delegatedAdminDisplayName("rel-1")).toBe(plan(undefined).displayName);
    expect(delegatedAdminDisplayName("rel-1")).not.toBe(delegatedAdminDisplayName("rel-2"));
    expect(delegatedAdminDisplayName(`rel-${"x".repeat(200)}`).length).toBeLessThanOrEqual(50);
  });
});
