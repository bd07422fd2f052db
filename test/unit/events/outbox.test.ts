import { describe, expect, it } from "vitest";

import { historyEntry } from "../../../shared/domain/index.js";
import { eventEnvelopeSchema, eventIdFor } from "../../../shared/events/catalogue.js";
import { planOutbox, type StatusStep } from "../../../shared/events/outbox.js";

const AT = "2025-01-10T09:00:00.000Z";
const step = (
  kind: "relationship" | "migration",
  id: string,
  from: string | null,
  to: string,
  lineItem?: string,
) =>
  ({ entity: { kind, id }, lineItem, entry: historyEntry(AT, "user-1", from, to, []) }) satisfies StatusStep;

describe("the events of a commit's status steps", () => {
  it.each<{ name: string; steps: StatusStep[]; stored: Record<string, number>; expected: unknown[] }>([
    {
      name: "a new relationship: requested, then invitation sent",
      steps: [
        step("relationship", "rel-1", null, "submitted"),
        step("relationship", "rel-1", "submitted", "pending"),
      ],
      stored: {},
      expected: [
        ["relationship-requested", "relationship", "rel-1", 1],
        ["relationship-invitation-sent", "relationship", "rel-1", 2],
      ],
    },
    {
      name: "a migration and its line items count apart, continuing from the stored counters",
      steps: [
        step("migration", "mig-1", "submitted", "provisioning"),
        step("migration", "mig-1", "pending", "provisioned", "sub-1"),
        step("migration", "mig-1", "pending", "provisioned", "sub-2"),
        step("migration", "mig-1", "provisioning", "awaiting-term-end"),
      ],
      stored: { "mig-1": 1, "mig-1/sub-1": 1 },
      expected: [
        ["migration-provisioning", "migration", "mig-1", 2],
        ["line-item-provisioned", "line-item", "mig-1/sub-1", 2],
        ["line-item-provisioned", "line-item", "mig-1/sub-2", 1],
        ["migration-awaiting-term-end", "migration", "mig-1", 3],
      ],
    },
  ])("$name", ({ steps, stored, expected }) => {
    const plan = planOutbox(
      "cust-1",
      steps,
      () => "partner-1",
      () => stored,
    );
    expect(
      plan.events.map((event) => [event.type, event.resource.kind, event.resource.id, event.sequence]),
    ).toEqual(expected);
    for (const event of plan.events) {
      expect(eventEnvelopeSchema.parse(event)).toEqual(event);
      expect(event.id).toBe(eventIdFor("cust-1", event.resource.kind, event.resource.id, event.sequence));
      expect(event).toMatchObject({ partnerId: "partner-1", customerId: "cust-1", occurredAt: AT });
    }
  });

  it("hands back each entity's counters, to store on its row with the change", () => {
    const plan = planOutbox(
      "cust-1",
      [
        step("migration", "mig-1", null, "submitted"),
        step("migration", "mig-1", "pending", "expired", "sub-1"),
      ],
      () => "partner-1",
      () => ({ "mig-1/sub-0": 4 }),
    );
    expect(Object.fromEntries(plan.counters)).toEqual({
      "migration|mig-1": { "mig-1": 1, "mig-1/sub-1": 1, "mig-1/sub-0": 4 },
    });
  });

  it("a relationship's step that stays pending is the invitation made, carrying the invitation; no other step carries it", () => {
    const invitation = {
      resellerRelationshipUrl: "https://admin.microsoft.com/Adminportal/Home?invType=ResellerRelationship",
      at: AT,
    };
    const plan = planOutbox(
      "cust-1",
      [
        { ...step("relationship", "rel-1", "pending", "pending"), invitation },
        { ...step("relationship", "rel-1", "pending", "active"), invitation },
      ],
      () => "partner-1",
      () => ({ "rel-1": 2 }),
    );
    expect(plan.events.map((event) => [event.type, event.sequence, event.resource.status])).toEqual([
      ["relationship-invitation-made", 3, "pending"],
      ["relationship-accepted", 4, "active"],
    ]);
    expect(plan.events[0]?.data.invitation).toEqual(invitation);
    expect(plan.events[1]?.data).not.toHaveProperty("invitation");
    for (const event of plan.events) expect(eventEnvelopeSchema.parse(event)).toEqual(event);
  });

  it("derives the same events from the same steps and counters (a retried commit)", () => {
    const steps = [step("relationship", "rel-1", "pending", "active")];
    const once = planOutbox(
      "cust-1",
      steps,
      () => "p",
      () => ({ "rel-1": 2 }),
    );
    const again = planOutbox(
      "cust-1",
      steps,
      () => "p",
      () => ({ "rel-1": 2 }),
    );
    expect(again.events).toEqual(once.events);
    expect(once.events[0]?.sequence).toBe(3);
  });
});
