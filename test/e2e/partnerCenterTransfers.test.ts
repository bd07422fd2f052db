/**
 * MC-6 through the whole local stack in `live` mode — the local Functions host, Azurite, the Service
 * Bus emulator and the stack's own local Partner Center: an Azure subscription the customer holds
 * through another CSP partner is transferred to the partner that migrates it, in Partner Center,
 * and followed by the host's own scheduled polls on the migration queue until Partner Center says
 * `Complete`, and only then completed; the partner reads the transfer and the subscription it became in
 * GET /api/migrations/{id}.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  acceptInPartnerCenter,
  linkLocalPartner,
  partnerCenterRequests,
  partnerCenterTransfers,
  type LocalPartnerCenterState,
} from "../../local/partner-center/index.js";
import type { LocalStack } from "../../local/stack.js";
import type { MigrationView } from "../../shared/http/views.js";
import { azurePlanBody, customerBody, partnerBody } from "../setup/bodies.js";
import { uniqueId } from "../setup/tables.js";
import { call, issuePartnerKey, operatorOf, startTestStack, waitFor } from "./helpers.js";

let stack: LocalStack;
let closeStack: () => Promise<void>;
let pc: LocalPartnerCenterState;

beforeAll(async () => {
  // Polls 0.2 s, then 0.4 s, … apart: the local Partner Center completes a transfer at its second read.
  ({ stack, close: closeStack } = await startTestStack(() => undefined, {
    env: { PARTNER_CENTER_TRANSFER_POLL_SECONDS: "0.2" },
  }));
  if (stack.partnerCenter === undefined) throw new Error("the stack started no local Partner Center");
  pc = stack.partnerCenter;
});

afterAll(async () => {
  await closeStack();
});

/** A partner linked to its tenant in the local Partner Center and registered by the operator. */
async function linkedPartner(partnerId: string): Promise<string> {
  const { link, tenantId } = await linkLocalPartner({
    partnerCenterUrl: pc.url,
    secretsFile: pc.secretsFile,
    partnerId,
    webhookUrl: new URL(`partner-center/events/${partnerId}`, stack.baseUrl).href,
    tenantId: uniqueId("tenant"),
  });
  const put = await call(stack.baseUrl, operatorOf(stack), "PUT", `partners/${partnerId}`, {
    ...partnerBody,
    partnerCenter: link,
  });
  expect(put.status, JSON.stringify(put.body)).toBe(201);
  return tenantId;
}

describe("live mode through the host: MC-6", () => {
  it("an Azure subscription from another CSP partner is transferred and followed to Complete", async () => {
    const [partnerId, sourceId, customerId] = [
      uniqueId("contoso"),
      uniqueId("northwind"),
      uniqueId("fabrikam"),
    ];
    const tenantId = await linkedPartner(partnerId);
    const sourceTenantId = await linkedPartner(sourceId);
    const operator = operatorOf(stack);
    const key = await issuePartnerKey(stack.baseUrl, operator, partnerId);
    expect((await call(stack.baseUrl, key, "PUT", `customers/${customerId}`, customerBody)).status).toBe(201);
    const azure = await call(
      stack.baseUrl,
      operator,
      "PUT",
      `customers/${customerId}/subscriptions/azure-csp`,
      { ...azurePlanBody, channel: "csp", partnerOfRecord: sourceId },
    );
    expect(azure.status, JSON.stringify(azure.body)).toBe(201);

    const requested = await call(stack.baseUrl, key, "POST", "relationship-requests", {
      partnerId,
      customerId,
      actor: { userId: "alex@contoso.example", role: "sales-agent" },
      delegatedAdmin: false,
    });
    expect(requested.status, JSON.stringify(requested.body)).toBe(202);
    const relationship = `relationships/${(requested.body as { id: string }).id}`;
    const status = async () =>
      ((await call(stack.baseUrl, key, "GET", relationship)).body as { status: string }).status;
    await waitFor(status, (value) => value === "pending");
    expect((await acceptInPartnerCenter(pc.url, customerId, tenantId)).status).toBe(202);
    await waitFor(status, (value) => value === "active");

    const migrated = await call(stack.baseUrl, key, "POST", "migrations", {
      partnerId,
      customerId,
      actor: { userId: "bob@contoso.example", role: "account-admin" },
      items: [{ subscriptionId: "azure-csp", cancelOriginal: "keep" }],
    });
    expect(migrated.status, JSON.stringify(migrated.body)).toBe(202);
    const migrationId = (migrated.body as { id: string }).id;
    const read = async () =>
      (await call(stack.baseUrl, key, "GET", `migrations/${migrationId}`)).body as MigrationView;
    const migration = await waitFor(read, (found) => found.items[0]?.execution === "transferred");
    const done = migration.items[0];
    // Completed by the poll that saw Complete, not before: the partner is told once Partner Center is done.
    expect(migration.status).toBe("completed");
    const steps = migration.history.filter((entry) => entry.lineItem === undefined);
    expect(steps.map((entry) => entry.to)).toEqual(["submitted", "provisioning", "completed"]);
    expect(steps[2]?.at.localeCompare(done?.transfer?.completedAt ?? "")).toBeGreaterThanOrEqual(0);

    const transfers = (await partnerCenterTransfers(pc.url)).filter(
      (found) => found.partnerTenantId === tenantId,
    );
    expect(transfers).toMatchObject([
      {
        customerId,
        sourcePartnerTenantId: sourceTenantId,
        targetProductTypes: ["AzureSubscription"],
        status: "Complete",
        lineItems: [{ subscriptionId: "azure-csp", quantity: 1 }],
      },
    ]);
    expect(done).toMatchObject({
      path: "azure-switch-partner",
      transfer: {
        id: transfers[0]?.id,
        status: "Complete",
        polls: 2,
        newSubscriptionIds: [transfers[0]?.lineItems[0]?.targetSubscriptionId],
      },
    });
    const calls = (await partnerCenterRequests(pc.url))
      .filter((request) => request.partnerTenantId === tenantId && request.path.includes("/transfers"))
      .map((request) => `${request.method} ${request.status}`);
    // The customer's transfers read first (none to carry on), one created, then two polls.
    expect(calls).toEqual(["GET 200", "POST 201", "GET 200", "GET 200"]);
  });
});
