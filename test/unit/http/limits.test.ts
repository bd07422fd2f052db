import { describe, expect, it } from "vitest";

import { MAX_MIGRATION_ITEMS, migrationRequestBodySchema } from "../../../shared/domain/requests.js";

const body = (count: number) => ({
  partnerId: "p1",
  customerId: "c1",
  actor: { userId: "u1", role: "sales-agent" },
  items: Array.from({ length: count }, (_, index) => ({
    subscriptionId: `s${index}`,
    cancelOriginal: "immediately",
  })),
});

describe("the migration request's size", () => {
  it("takes as many items as one transaction can decide, and refuses more at the door", () => {
    expect(migrationRequestBodySchema.safeParse(body(MAX_MIGRATION_ITEMS)).success).toBe(true);
    expect(migrationRequestBodySchema.safeParse(body(MAX_MIGRATION_ITEMS + 1)).success).toBe(false);
  });
});
