/**
 * The local stack end to end: Azurite, the Service Bus emulator and the host on the app's
 * TypeScript sources, started in this process on free ports and driven over real HTTP, from
 * reference data through a relationship, a migration waiting on it, and the term-end sweep to a
 * completed migration; then a clean shutdown.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { HostLogEntry } from "../../local/host/index.js";
import { startLocalStack, type LocalStack } from "../../local/stack.js";
import { DEV_WEBHOOK_SECRET } from "../../local/stackSettings.js";
import { migrationViewSchema, relationshipViewSchema, sweepReportSchema } from "../../shared/http/views.js";
import { subscriptionSchema } from "../../shared/domain/model.js";
import { call, daysFromNow, probePort, waitFor } from "./helpers.js";

const PARTNER = "fabrikam-csp";
const CUSTOMER = "adatum";
const TERM_START = daysFromNow(-200);
const OFFICE_TERM_END = daysFromNow(30);
const AZURE_TERM_END = daysFromNow(10);

let stack: LocalStack;
const log: HostLogEntry[] = [];

beforeAll(async () => {
  stack = await startLocalStack({
    port: 0,
    env: {},
    localSettingsPath: false,
    log: (entry) => log.push(entry),
  });
});

afterAll(async () => {
  await stack.close();
});

const send = (method: "GET" | "PUT" | "POST", path: string, body?: unknown, key?: string) =>
  call(stack.baseUrl, stack.webhookSecret, method, path, body, key);

async function relationship(id: string) {
  const answer = await send("GET", `relationships/${id}`);
  expect(answer.status).toBe(200);
  return relationshipViewSchema.parse(answer.body);
}

async function migration(id: string) {
  const answer = await send("GET", `migrations/${id}`);
  expect(answer.status).toBe(200);
  return migrationViewSchema.parse(answer.body);
}

async function subscription(id: string) {
  const answer = await send("GET", `customers/${CUSTOMER}/subscriptions/${id}`);
  expect(answer.status).toBe(200);
  return subscriptionSchema.parse(answer.body);
}

describe("the local stack", () => {
  it("starts its own Azurite and Service Bus emulator and answers health", async () => {
    expect(stack.tables.kind).toBe("started");
    expect(stack.serviceBus.kind).toBe("started");
    expect(stack.webhookSecret).toBe(DEV_WEBHOOK_SECRET);
    expect(stack.baseUrl).toBe(`http://localhost:${stack.port}/api/`);
    const health = await send("GET", "health");
    expect(health).toMatchObject({
      status: 200,
      body: { status: "ok", checks: { tableStorage: { ok: true }, serviceBus: { ok: true } } },
    });
    expect(stack.functions.map((fn) => fn.name)).toEqual(
      expect.arrayContaining(["processRelationshipMessage", "processMigrationMessage", "sweepTimer"]),
    );
  });

  it("refuses requests that are not signed with its secret", async () => {
    const body = JSON.stringify({ name: "Fabrikam", region: "US", cloud: "public", kind: "direct" });
    const unsigned = await fetch(new URL(`partners/${PARTNER}`, stack.baseUrl), {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body,
    });
    expect(unsigned.status).toBe(401);
    const wrongSecret = await call(
      stack.baseUrl,
      "not-the-stack-secret-at-all",
      "PUT",
      `partners/${PARTNER}`,
      {
        name: "Fabrikam",
      },
    );
    expect(wrongSecret.status).toBe(401);
  });

  it("takes a customer from a relationship request to a completed migration", async () => {
    expect(
      (
        await send("PUT", `partners/${PARTNER}`, {
          name: "Fabrikam",
          region: "US",
          cloud: "public",
          kind: "direct",
        })
      ).status,
    ).toBe(201);
    for (const [id, offer] of [
      ["m365-business-premium", { name: "Microsoft 365 Business Premium", kind: "license" }],
      ["azure-plan", { name: "Azure plan", kind: "usage" }],
    ] as const) {
      expect(
        (await send("PUT", `offers/${id}`, { ...offer, discontinued: false, equivalentOfferIds: [] })).status,
      ).toBe(201);
    }
    expect(
      (
        await send("PUT", `customers/${CUSTOMER}`, {
          name: "A. Datum",
          region: "US",
          cloud: "public",
          isCspPartner: false,
        })
      ).status,
    ).toBe(201);
    // MIG-3: bought in the Microsoft 365 admin portal, billed monthly: may earn a credit.
    expect(
      (
        await send("PUT", `customers/${CUSTOMER}/subscriptions/m365-direct`, {
          offerId: "m365-business-premium",
          kind: "license",
          channel: "direct",
          purchasedVia: "m365-admin-portal",
          seats: 40,
          termStart: TERM_START,
          termEnd: OFFICE_TERM_END,
          billingCycle: "monthly",
          status: "active",
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await send("PUT", `customers/${CUSTOMER}/subscriptions/azure-ea`, {
          offerId: "ms-azr-0017p",
          kind: "usage",
          channel: "ea",
          termStart: TERM_START,
          termEnd: AZURE_TERM_END,
          billingCycle: "monthly",
          status: "active",
        })
      ).status,
    ).toBe(201);

    const requested = await send("POST", "relationship-requests", {
      partnerId: PARTNER,
      customerId: CUSTOMER,
      actor: { userId: "kim@fabrikam.example", role: "global-admin" },
      delegatedAdmin: true,
    });
    expect(requested.status).toBe(202);
    const relationshipId = (requested.body as { id: string }).id;
    expect(requested.headers.get("location")).toBe(`/api/relationships/${relationshipId}`);
    const requestDecided = await waitFor(
      () => relationship(relationshipId),
      (view) => view.status !== "submitted",
    );
    expect(requestDecided.status).toBe("pending");

    // Asked before the customer answers: the migration waits for the relationship (REL-2).
    const migrationBody = {
      partnerId: PARTNER,
      customerId: CUSTOMER,
      actor: { userId: "lee@fabrikam.example", role: "billing-agent" },
      items: [
        { subscriptionId: "m365-direct", cancelOriginal: "at-term-end" },
        { subscriptionId: "azure-ea", targetOfferId: "azure-plan", cancelOriginal: "at-term-end" },
      ],
    };
    const key = "adatum-migration-1";
    const submitted = await send("POST", "migrations", migrationBody, key);
    expect(submitted.status).toBe(202);
    const migrationId = (submitted.body as { id: string }).id;
    const waiting = await waitFor(
      () => migration(migrationId),
      (view) => view.status !== "submitted",
    );
    expect(waiting.status).toBe("awaiting-relationship");

    // The same key and body answer the first response again; the same key with another body is refused.
    const replay = await send("POST", "migrations", migrationBody, key);
    expect(replay).toMatchObject({ status: 202, body: { id: migrationId } });
    const mismatch = await send(
      "POST",
      "migrations",
      { ...migrationBody, items: migrationBody.items.slice(0, 1) },
      key,
    );
    expect(mismatch.status).toBe(422);

    const accepted = await send("POST", `relationships/${relationshipId}/acceptance`, {
      customerUserId: "dana@adatum.example",
    });
    expect(accepted.status).toBe(202);
    const answered = await waitFor(
      () => relationship(relationshipId),
      (view) => view.status !== "pending",
    );
    expect(answered.status).toBe("active");
    const scheduled = await waitFor(
      () => migration(migrationId),
      (view) => view.status === "awaiting-term-end" || view.status === "rejected" || view.status === "failed",
    );
    expect(scheduled.status).toBe("awaiting-term-end");
    expect(scheduled.relationshipId).toBe(relationshipId);
    expect(scheduled.items).toMatchObject([
      {
        subscriptionId: "m365-direct",
        path: "license-move",
        targetOfferId: "m365-business-premium",
        targetSeats: 40,
        licenseReassignmentRequired: false,
        creditEligibility: "partner-may-request",
        status: "provisioned",
      },
      {
        subscriptionId: "azure-ea",
        path: "azure-new-subscription",
        targetOfferId: "azure-plan",
        targetSeats: null,
        status: "provisioned",
      },
    ]);
    // MIG-2: the originals go at their term end, not before.
    expect(scheduled.items.map((item) => Date.parse(item.cancelAt ?? ""))).toEqual([
      Date.parse(OFFICE_TERM_END),
      Date.parse(AZURE_TERM_END),
    ]);

    // Nothing is due yet; a dry run past the term ends says what would change and changes nothing.
    const early = sweepReportSchema.parse((await send("POST", `admin/sweep?asOf=${daysFromNow(1)}`)).body);
    expect(early.transitions.filter((transition) => transition.customerId === CUSTOMER)).toEqual([]);
    const pastTermEnd = daysFromNow(31);
    const dryRun = sweepReportSchema.parse(
      (await send("POST", `admin/sweep?asOf=${pastTermEnd}&dryRun=true`)).body,
    );
    expect(dryRun).toMatchObject({ dryRun: true });
    expect(dryRun.transitions).toContainEqual(
      expect.objectContaining({ entity: "migration", id: migrationId, to: "completed" }),
    );
    expect((await migration(migrationId)).status).toBe("awaiting-term-end");

    const sweep = await send("POST", `admin/sweep?asOf=${pastTermEnd}`);
    expect(sweep.status).toBe(200);
    expect(sweepReportSchema.parse(sweep.body).transitions).toContainEqual(
      expect.objectContaining({
        entity: "migration",
        id: migrationId,
        from: "awaiting-term-end",
        to: "completed",
      }),
    );
    const completed = await waitFor(
      () => migration(migrationId),
      (view) => view.status !== "awaiting-term-end",
    );
    expect(completed.status).toBe("completed");
    expect(completed.items.map((item) => item.status)).toEqual(["original-expired", "original-expired"]);
    expect(completed.history.map((entry) => entry.to)).toEqual(
      expect.arrayContaining([
        "submitted",
        "awaiting-relationship",
        "provisioning",
        "awaiting-term-end",
        "completed",
      ]),
    );

    // The originals expired at their term end; the partner's CSP subscriptions carry on.
    for (const item of completed.items) {
      expect((await subscription(item.subscriptionId)).status).toBe("expired");
      const replacement = await subscription(item.newSubscriptionId ?? "");
      expect(replacement).toMatchObject({ channel: "csp", partnerOfRecord: PARTNER, status: "active" });
    }

    // A second sweep finds nothing left to do.
    const again = sweepReportSchema.parse((await send("POST", `admin/sweep?asOf=${pastTermEnd}`)).body);
    expect(again.transitions.filter((transition) => transition.customerId === CUSTOMER)).toEqual([]);

    const failed = log.filter((entry) => entry.kind === "invocation" && entry.outcome === "Failed");
    expect(failed).toEqual([]);
  });

  it("stops everything it started on close", async () => {
    if (stack.tables.kind !== "started" || stack.serviceBus.kind !== "started") {
      throw new Error("the stack should have started both services");
    }
    const ports = [stack.port, stack.tables.port, stack.serviceBus.port];
    for (const port of ports) expect(await probePort(port)).toBe("open");
    await stack.close();
    for (const port of ports) expect(await probePort(port)).toBe("refused");
    await stack.close(); // a second close is the same promise, not an error
  });
});
