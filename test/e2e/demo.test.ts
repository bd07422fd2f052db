/** `npm run demo`'s story, run by its main function against a local stack in this process. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { runDemo } from "../../local/demoStory.js";
import { startLocalStack, type LocalStack } from "../../local/stack.js";

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, env: {}, localSettingsPath: false, log: () => undefined });
});

afterAll(async () => {
  await stack.close();
});

describe("the demo's story", () => {
  it("ends with the EA customer's migration completed, and says so", async () => {
    const lines: string[] = [];
    const result = await runDemo({
      baseUrl: stack.baseUrl,
      secret: stack.webhookSecret,
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
    expect(result.subscriptions.map((subscription) => [subscription.channel, subscription.status])).toEqual([
      ["ea", "expired"],
      ["csp", "active"],
      ["ea", "expired"],
      ["csp", "active"],
    ]);

    const output = lines.join("\n");
    expect(output).toContain(
      "subscription  path                    target offer  seats  reassignment  credit        cancelAt    status",
    );
    expect(output).toMatch(
      /ea-o365-e3 +license-move +m365-e3 +25 +required +not-eligible +\d{4}-\d\d-\d\d +original-expired/,
    );
    expect(output).toContain("History");
    expect(output).toContain(`Done: migration ${result.migration.id} completed.`);
  });

  it("can be told again against the same service: a new customer, the same partner and offers", async () => {
    const lines: string[] = [];
    const result = await runDemo({
      baseUrl: stack.baseUrl,
      secret: stack.webhookSecret,
      out: (line) => lines.push(line),
      runId: "second",
    });
    expect(result.completed).toBe(true);
    expect(result.customerId).toBe("northwind-second");
    expect(lines).toContainEqual(expect.stringMatching(/PUT partners\/contoso-csp → 200 {2}updated/));
  });

  it("stops with the status code and the problem when a request is refused", async () => {
    await expect(
      runDemo({ baseUrl: stack.baseUrl, secret: "a-secret-the-service-does-not-hold", out: () => undefined }),
    ).rejects.toThrow(/PUT .*partners\/contoso-csp answered 401/);
  });
});
