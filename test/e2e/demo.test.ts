/** `npm run demo`'s story, run by its main function against a local stack in this process. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { runDemo } from "../../local/demoStory.js";
import type { EventEnvelope } from "../../shared/events/catalogue.js";
import type { LocalStack } from "../../local/stack.js";
import { customerTokenFor, operatorOf, startTestStack } from "./helpers.js";

/** Each story waits for its originals' terms to end (about 12 s) before the real sweep. */
const STORY_TIMEOUT_MS = 60_000;

let stack: LocalStack;
let closeStack: () => Promise<void>;

beforeAll(async () => {
  ({ stack, close: closeStack } = await startTestStack());
});

afterAll(async () => {
  await closeStack();
});

const customerToken = async (customerId: string) => (await customerTokenFor(stack, customerId)).token;

describe("the demo's story", () => {
  it(
    "ends with the EA customer's migration completed, and says so",
    { timeout: STORY_TIMEOUT_MS },
    async () => {
      const lines: string[] = [];
      const result = await runDemo({
        baseUrl: stack.baseUrl,
        operatorKey: operatorOf(stack),
        customerToken,
        partnerCenter: stack.partnerCenter,
        out: (line) => lines.push(line),
        runId: "first",
      });

      expect(result.completed).toBe(true);
      expect(result.relationship).toMatchObject({
        status: "active",
        delegatedAdmin: true,
        partnerId: "contoso-csp",
      });
      expect(result.migration.status).toBe("completed");
      // The portal's receiver got the lifecycle, signed: per resource in sequence order, ending completed.
      const ofMigration = result.events.filter((event) => event.resource.id === result.migration.id);
      expect(ofMigration.at(-1)?.type).toBe("migration-completed");
      const sequences = [...new Set(ofMigration.map((event) => event.sequence))];
      expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
      expect(result.events.some((event) => event.type === "relationship-accepted")).toBe(true);
      // Per resource (relationship, migration, each line item), ordered by sequence, each event starts
      // in the status the one before it entered, the first in none: the lifecycle in order.
      const byResource = new Map<string, Map<number, EventEnvelope>>();
      for (const event of result.events) {
        const seen = byResource.get(event.resource.id) ?? new Map<number, EventEnvelope>();
        byResource.set(event.resource.id, seen.set(event.sequence, event));
      }
      expect(byResource.size).toBeGreaterThanOrEqual(4);
      let chained = 0;
      for (const [resource, events] of byResource) {
        for (const [sequence, event] of events) {
          const before = sequence === 1 ? null : events.get(sequence - 1)?.resource.status;
          if (before === undefined) continue;
          expect(event.data.from, `${resource} #${sequence}`).toBe(before);
          chained += 1;
        }
      }
      // Not vacuous: most of the events were checked against the one before.
      expect(chained).toBeGreaterThan(result.events.length / 2);
      expect(lines).toContainEqual(
        expect.stringMatching(/^The portal's receiver got \d+ events, every signature verified\.$/),
      );
      expect(result.migration.items).toMatchObject([
        // MIG-5: the discontinued Office 365 E3 moves to its equivalent; MIG-6: licenses must be reassigned.
        {
          subscriptionId: "ea-o365-e3",
          path: "license-move",
          targetOfferId: "m365-e3",
          targetSeats: 25,
          licenseReassignmentRequired: true,
          creditEligibility: "not-eligible",
          status: "original-expired",
        },
        // MC-5: Azure bought through EA gets a new Azure subscription in CSP.
        {
          subscriptionId: "ea-azure",
          path: "azure-new-subscription",
          targetOfferId: "azure-plan",
          status: "original-expired",
        },
      ]);
      expect(result.subscriptions.map((subscription) => [subscription.channel, subscription.status])).toEqual(
        [
          ["ea", "expired"],
          ["csp", "active"],
          ["ea", "expired"],
          ["csp", "active"],
        ],
      );

      const output = lines.join("\n");
      expect(output).toContain(
        "subscription  path                    target offer  seats  reassignment  credit        cancelAt    status",
      );
      expect(output).toMatch(
        /ea-o365-e3 +license-move +m365-e3 +25 +required +not-eligible +\d{4}-\d\d-\d\d +original-expired/,
      );
      expect(output).toContain("History");
      expect(output).toContain(`Done: migration ${result.migration.id} completed.`);

      // The operator issued the partner's key; only the customer's token could accept (TEN-3); a
      // sweep that writes never looks ahead (OPS-1), the one at the real term end retired the originals.
      expect(result.partnerKeyId).toMatch(/^pk_[a-z0-9]{26}$/);
      expect(output).toContain(`POST admin/partners/contoso-csp/keys → 201  key ${result.partnerKeyId}`);
      expect(output).toMatch(/acceptance \(signed by the partner\) → 403 {2}TEN-3/);
      // The customer accepted in the local Partner Center; its signed event, confirmed, made it active (TEN-3, PC-2).
      expect(output).toContain("the customer's administrator accepts in the local Partner Center");
      expect(output).toMatch(
        /POST partner-center\/events\/contoso-csp \(signed by Partner Center\) → 202 {2}reseller-relationship-accepted-by-customer/,
      );
      expect(result.relationship.answeredBy).toBe("partner-center");
      expect(output).toMatch(/admin\/sweep\?asOf=\S+&dryRun=true → 200/);
      expect(output).toMatch(/admin\/sweep\?asOf=\S+ → 422 {2}OPS-1/);
      // The real sweep queued the customer; processSweepMessage, behind the emulator, completed it.
      expect(result.sweep).toMatchObject({ dryRun: false, transitions: [] });
      expect(result.sweep.queued).toBeGreaterThanOrEqual(1);
      expect(output).toMatch(/POST admin\/sweep → 200 {2}as of \S+: \d+ of \d+ customer\(s\) queued/);

      // Live mode: the licence item and the Azure plan (MC-5) were bought in the local Partner Center,
      // once each; the demo shows the orders as Partner Center holds them, the ones the items record.
      const office = result.migration.items.find((item) => item.subscriptionId === "ea-o365-e3");
      const azurePlan = result.migration.items.find((item) => item !== office && item.order !== undefined);
      expect(office?.execution).toBe("ordered");
      expect(azurePlan?.execution).toBe("ordered");
      const orderOf = (item: typeof office, catalogItemId: string, quantity: number): unknown =>
        expect.objectContaining({
          id: item?.order?.id,
          customerId: result.customerId,
          requestId: item?.order?.requestId,
          lineItems: [expect.objectContaining({ catalogItemId, quantity })],
        });
      expect(result.partnerCenterOrders).toHaveLength(2);
      expect(result.partnerCenterOrders).toEqual(
        expect.arrayContaining([
          orderOf(office, "DEMO0M365E3:0001:DEMO0SKU001", 25),
          orderOf(azurePlan, "DEMO0AZURE:0001:DEMO0PLAN01", 1),
        ]),
      );
      expect(output).toContain(
        `The local Partner Center received 2 order(s) for ${result.customerId} (GET /_control/orders):`,
      );
      expect(output).toMatch(
        new RegExp(
          `${office?.order?.id ?? "?"} +DEMO0M365E3:0001:DEMO0SKU001 +25 +${office?.order?.requestId ?? "?"} +\\S+`,
        ),
      );
    },
  );

  it(
    "can be told again against the same service: a new customer, the same partner and offers",
    { timeout: STORY_TIMEOUT_MS },
    async () => {
      const lines: string[] = [];
      const result = await runDemo({
        baseUrl: stack.baseUrl,
        operatorKey: operatorOf(stack),
        customerToken,
        // Live mode buys before an original goes (MIG-9), so the partner keeps its Partner Center link;
        // the customer's own token accepting is test/e2e/stack.test.ts's story.
        partnerCenter: stack.partnerCenter,
        out: (line) => lines.push(line),
        runId: "second",
      });
      expect(result.completed).toBe(true);
      expect(result.customerId).toBe("northwind-second");
      expect(lines).toContainEqual(
        expect.stringContaining("the customer's administrator accepts in the local Partner Center"),
      );
      expect(lines).toContainEqual(expect.stringMatching(/PUT partners\/contoso-csp → 200 {2}updated/));
      // The partner gets a key of its own for each telling.
      expect(result.partnerKeyId).toMatch(/^pk_[a-z0-9]{26}$/);
      // This telling's own migration, bought once in the same local Partner Center: licence and Azure plan.
      expect(result.partnerCenterOrders).toHaveLength(2);
    },
  );

  it("stops with the status code and the problem when a request is refused", async () => {
    await expect(
      runDemo({
        baseUrl: stack.baseUrl,
        operatorKey: { keyId: stack.operatorKey.id, secret: "a-secret-the-service-does-not-hold-at-all" },
        customerToken: () => Promise.reject(new Error("no customer is asked when the operator is refused")),
        out: () => undefined,
      }),
    ).rejects.toThrow(/PUT .*partners\/contoso-csp answered 401/);
  });
});
