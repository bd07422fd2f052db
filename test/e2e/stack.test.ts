/**
 * The local stack end to end: Azurite, the Service Bus emulator, the development identity provider
 * and the host on the app's TypeScript sources, started in this process on free ports and driven
 * over real HTTP by each caller as it proves itself — the operator's key for reference data, the
 * partner's key (issued by the operator) for its requests, the customer's token for its answer —
 * from a relationship and a migration waiting on it, through the term-end sweep at the real term
 * end, to a completed migration; then a clean shutdown.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { HostLogEntry } from "../../local/host/index.js";
import { loadOrCreateDevKeys } from "../../local/devKeys.js";
import type { LocalStack } from "../../local/stack.js";
import { problemSchema } from "../../shared/http/problem.js";
import { migrationViewSchema, relationshipViewSchema, sweepReportSchema } from "../../shared/http/views.js";
import { subscriptionSchema } from "../../shared/domain/model.js";
import {
  call,
  customerTokenFor,
  daysFromNow,
  issuePartnerKey,
  operatorOf,
  probePort,
  startTestStack,
  waitFor,
  type Caller,
  type SigningKey,
} from "./helpers.js";

const PARTNER = "fabrikam-csp";
const CUSTOMER = "adatum";
const TERM_START = daysFromNow(-200);
/**
 * The originals' terms end this many seconds into the story (Azure's a little sooner): a sweep that
 * writes never looks ahead (OPS-1), so the one that retires them runs at their real term end.
 */
const OFFICE_TERM_END_SECONDS = 16;
const AZURE_TERM_END_SECONDS = 12;

let stack: LocalStack;
let stateDir: string;
let closeStack: () => Promise<void>;
let operator: SigningKey;
let partner: SigningKey | undefined;
const log: HostLogEntry[] = [];

beforeAll(async () => {
  // Records mode: its partner has no Partner Center link, so live mode would buy nothing and, by
  // MIG-9, retire no original; the live story is test/e2e/demo.test.ts and partnerCenter.test.ts.
  ({
    stack,
    stateDir,
    close: closeStack,
  } = await startTestStack((entry) => log.push(entry), {
    env: { PARTNER_CENTER_MODE: "records" },
  }));
  operator = operatorOf(stack);
});

afterAll(async () => {
  await closeStack();
});

const send = (as: Caller, method: "GET" | "PUT" | "POST", path: string, body?: unknown, key?: string) =>
  call(stack.baseUrl, as, method, path, body, key);

const asPartner = (): SigningKey => {
  if (partner === undefined) throw new Error("the operator issues the partner's key first");
  return partner;
};

/** Whole seconds, as a portal enters a term end. */
const secondsFromNow = (seconds: number): string =>
  new Date((Math.ceil(Date.now() / 1000) + seconds) * 1000).toISOString().replace(".000Z", "Z");

async function relationship(id: string) {
  const answer = await send(asPartner(), "GET", `relationships/${id}`);
  expect(answer.status).toBe(200);
  return relationshipViewSchema.parse(answer.body);
}

async function migration(id: string) {
  const answer = await send(asPartner(), "GET", `migrations/${id}`);
  expect(answer.status).toBe(200);
  return migrationViewSchema.parse(answer.body);
}

async function subscription(id: string) {
  const answer = await send(asPartner(), "GET", `customers/${CUSTOMER}/subscriptions/${id}`);
  expect(answer.status).toBe(200);
  return subscriptionSchema.parse(answer.body);
}

describe("the local stack", () => {
  it("starts its own Azurite, Service Bus emulator and identity provider, and answers health", async () => {
    expect(stack.tables.kind).toBe("started");
    expect(stack.serviceBus.kind).toBe("started");
    // Its own development operator key, kept in the state folder it was given.
    const devKeys = await loadOrCreateDevKeys(stateDir);
    expect(stack.operatorKey).toEqual(devKeys.operatorKey);
    expect(stack.ownOperatorKey).toBe(true);
    expect(stack.identity.stateDir).toBe(stateDir);
    expect(stack.identity.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(stack.baseUrl).toMatch(new RegExp(`^http://(localhost|127\\.0\\.0\\.1):${stack.port}/api/$`));
    // Health needs no proof at all.
    const health = await send("nobody", "GET", "health");
    expect(health).toMatchObject({
      status: 200,
      body: { status: "ok", checks: { tableStorage: { ok: true }, serviceBus: { ok: true } } },
    });
    expect(stack.functions.map((fn) => fn.name)).toEqual(
      expect.arrayContaining(["processRelationshipMessage", "processMigrationMessage", "sweepTimer"]),
    );
  });

  it("refuses requests that are not signed with one of its keys", async () => {
    const body = JSON.stringify({ name: "Fabrikam", region: "US", cloud: "public", kind: "direct" });
    const unsigned = await fetch(new URL(`partners/${PARTNER}`, stack.baseUrl), {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body,
    });
    expect(unsigned.status).toBe(401);
    const fabrikam = { name: "Fabrikam", region: "US", cloud: "public", kind: "direct" };
    const wrongSecret = await send(
      { keyId: operator.keyId, secret: "not-the-stack-secret-at-all-0123456789" },
      "PUT",
      `partners/${PARTNER}`,
      fabrikam,
    );
    expect(wrongSecret.status).toBe(401);
    const unknownKey = await send(
      { keyId: "someone-else", secret: operator.secret },
      "PUT",
      `partners/${PARTNER}`,
      fabrikam,
    );
    expect(unknownKey.status).toBe(401);
    // GETs are no longer open either.
    expect((await send("nobody", "GET", `customers/${CUSTOMER}/migrations`)).status).toBe(401);
  });

  it(
    "takes a customer from a relationship request to a completed migration",
    { timeout: 90_000 },
    async () => {
      const officeTermEnd = secondsFromNow(OFFICE_TERM_END_SECONDS);
      const azureTermEnd = secondsFromNow(AZURE_TERM_END_SECONDS);
      // The operator's reference data (TEN-4), then the partner's own key.
      expect(
        (
          await send(operator, "PUT", `partners/${PARTNER}`, {
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
          (
            await send(operator, "PUT", `offers/${id}`, {
              ...offer,
              discontinued: false,
              equivalentOfferIds: [],
            })
          ).status,
        ).toBe(201);
      }
      partner = await issuePartnerKey(stack.baseUrl, operator, PARTNER);
      expect(partner.keyId).toMatch(/^pk_[a-z0-9]{26}$/);
      // The partner's key is not the operator's: reference data stays the operator's (TEN-4).
      expect(
        (
          await send(partner, "PUT", `offers/azure-plan`, {
            name: "Mine",
            kind: "usage",
            discontinued: false,
            equivalentOfferIds: [],
          })
        ).status,
      ).toBe(403);

      expect(
        (
          await send(partner, "PUT", `customers/${CUSTOMER}`, {
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
          await send(partner, "PUT", `customers/${CUSTOMER}/subscriptions/m365-direct`, {
            offerId: "m365-business-premium",
            kind: "license",
            channel: "direct",
            purchasedVia: "m365-admin-portal",
            seats: 40,
            termStart: TERM_START,
            termEnd: officeTermEnd,
            billingCycle: "monthly",
            status: "active",
          })
        ).status,
      ).toBe(201);
      expect(
        (
          await send(partner, "PUT", `customers/${CUSTOMER}/subscriptions/azure-ea`, {
            offerId: "ms-azr-0017p",
            kind: "usage",
            channel: "ea",
            termStart: TERM_START,
            termEnd: azureTermEnd,
            billingCycle: "monthly",
            status: "active",
          })
        ).status,
      ).toBe(201);

      const requested = await send(partner, "POST", "relationship-requests", {
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
      const submitted = await send(partner, "POST", "migrations", migrationBody, key);
      expect(submitted.status).toBe(202);
      const migrationId = (submitted.body as { id: string }).id;
      const waiting = await waitFor(
        () => migration(migrationId),
        (view) => view.status !== "submitted",
      );
      expect(waiting.status).toBe("awaiting-relationship");

      // The same key and body answer the first response again; the same key with another body is refused.
      const replay = await send(partner, "POST", "migrations", migrationBody, key);
      expect(replay).toMatchObject({ status: 202, body: { id: migrationId } });
      const mismatch = await send(
        partner,
        "POST",
        "migrations",
        { ...migrationBody, items: migrationBody.items.slice(0, 1) },
        key,
      );
      expect(mismatch.status).toBe(422);

      // Only the customer's Global Administrator answers (TEN-3): the partner's signature is refused.
      const acceptance = `relationships/${relationshipId}/acceptance`;
      expect((await send(partner, "POST", acceptance)).status).toBe(403);
      const accepted = await send(await customerTokenFor(stack, CUSTOMER), "POST", acceptance);
      expect(accepted.status).toBe(202);
      const answered = await waitFor(
        () => relationship(relationshipId),
        (view) => view.status !== "pending",
      );
      expect(answered.status).toBe("active");
      const scheduled = await waitFor(
        () => migration(migrationId),
        (view) =>
          view.status === "awaiting-term-end" || view.status === "rejected" || view.status === "failed",
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
        Date.parse(officeTermEnd),
        Date.parse(azureTermEnd),
      ]);

      // Nothing is due yet; a dry run past the term ends says what would change and changes nothing.
      expect(Date.now()).toBeLessThan(Date.parse(azureTermEnd));
      const early = sweepReportSchema.parse((await send(operator, "POST", "admin/sweep")).body);
      expect(early.transitions.filter((transition) => transition.customerId === CUSTOMER)).toEqual([]);
      const pastTermEnd = daysFromNow(2);
      const dryRun = sweepReportSchema.parse(
        (await send(operator, "POST", `admin/sweep?asOf=${pastTermEnd}&dryRun=true`)).body,
      );
      expect(dryRun).toMatchObject({ dryRun: true });
      expect(dryRun.transitions).toContainEqual(
        expect.objectContaining({ entity: "migration", id: migrationId, to: "completed" }),
      );
      expect((await migration(migrationId)).status).toBe("awaiting-term-end");
      // A sweep that writes never looks ahead (OPS-1), and only the operator sweeps (TEN-4).
      const ahead = await send(operator, "POST", `admin/sweep?asOf=${pastTermEnd}`);
      expect(ahead.status).toBe(422);
      expect(problemSchema.parse(ahead.body).violations?.map((found) => found.rule)).toContain("OPS-1");
      expect((await send(partner, "POST", "admin/sweep")).status).toBe(403);
      expect((await migration(migrationId)).status).toBe("awaiting-term-end");

      // At the real term end, the sweep retires the originals.
      const waitMs = Date.parse(officeTermEnd) + 1_000 - Date.now();
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
      const sweep = await send(operator, "POST", "admin/sweep");
      expect(sweep.status).toBe(200);
      // A real run queues each due customer for a sweep of its own and answers at once.
      expect(sweepReportSchema.parse(sweep.body).queued).toBeGreaterThanOrEqual(1);
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
      const again = sweepReportSchema.parse((await send(operator, "POST", "admin/sweep")).body);
      expect(again.transitions.filter((transition) => transition.customerId === CUSTOMER)).toEqual([]);

      const failed = log.filter((entry) => entry.kind === "invocation" && entry.outcome === "Failed");
      expect(failed).toEqual([]);
    },
  );

  it("stops everything it started on close", async () => {
    if (stack.tables.kind !== "started" || stack.serviceBus.kind !== "started") {
      throw new Error("the stack should have started both services");
    }
    const ports = [
      stack.port,
      stack.tables.port,
      stack.serviceBus.port,
      Number(new URL(stack.identity.url).port),
    ];
    for (const port of ports) expect(await probePort(port)).toBe("open");
    await stack.close();
    for (const port of ports) expect(await probePort(port)).toBe("refused");
    await stack.close(); // a second close is the same promise, not an error
  });
});
