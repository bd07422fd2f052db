/**
 * Live-mode buying through the real handlers, the emulator and the local Partner Center: a partner
 * linked to its tenant, a customer who accepted it in Partner Center, an offer Partner Center sells
 * and the customer's subscriptions of it; what Partner Center was asked and what it sold.
 */
import type { InvocationContext } from "@azure/functions";
import { expect } from "vitest";

import { getMigration } from "../../../functions/getMigration.js";
import { postAcceptance } from "../../../functions/postAcceptance.js";
import { postMigration } from "../../../functions/postMigration.js";
import { postRelationshipRequest } from "../../../functions/postRelationshipRequest.js";
import { putOffer } from "../../../functions/putOffer.js";
import { putPartner } from "../../../functions/putPartner.js";
import { putSubscription } from "../../../functions/putSubscription.js";
import { resetConfigForTests } from "../../../shared/config.js";
import type { MigrationItemRequest } from "../../../shared/domain/index.js";
import type { MigrationView } from "../../../shared/http/views.js";
import { resetRuntime } from "../../../shared/pipeline/runtime.js";
import { asCustomer } from "../../setup/callers.js";
import { uniqueId } from "../../setup/tables.js";
import type { PartnerCenterForTests } from "./partnerCenter.js";
import { workOffQueues } from "./queues.js";
import { partnerBody, registerCustomer, subscriptionBody } from "./reference.js";
import { call, type PipelineHttp } from "./support.js";

export const sold = {
  catalogItemId: "CFQ7TTC0TEST:0001:CFQ7TTC0SKU1",
  termDuration: "P1Y",
  billingCycle: "annual",
};
const actor = { userId: "ann@contoso", role: "global-admin" };

export interface LiveWorld {
  relationshipId: string;
  partnerId: string;
  customerId: string;
  tenantId: string;
  offerId: string;
}

/** Runs `body` with the app in records mode, then puts live mode back. */
/** The partner posts a migration of these items (202); its id. */
export async function postMigrationAs(
  found: Pick<LiveWorld, "partnerId" | "customerId">,
  items: readonly Partial<MigrationItemRequest>[],
): Promise<string> {
  const requested = await call(postMigration, "POST", "/api/migrations", {
    key: uniqueId("mig"),
    body: {
      partnerId: found.partnerId,
      customerId: found.customerId,
      actor: { userId: "bob@contoso", role: "account-admin" },
      items,
    },
  });
  expect(requested.status, requested.text).toBe(202);
  return (requested.body as { id: string }).id;
}

export async function inRecordsMode(body: () => Promise<void>): Promise<void> {
  const mode = (value: string) => {
    process.env.PARTNER_CENTER_MODE = value;
    resetConfigForTests();
    resetRuntime();
  };
  mode("records");
  try {
    await body();
  } finally {
    mode("live");
  }
}

/** The customer's administrator accepts the world's invitation here (records mode: no Partner Center to accept in). */
export async function acceptAsCustomer(
  found: Pick<LiveWorld, "relationshipId" | "customerId">,
): Promise<void> {
  const accepted = await call(
    postAcceptance,
    "POST",
    `/api/relationships/${found.relationshipId}/acceptance`,
    {
      params: { id: found.relationshipId },
      key: uniqueId("answer"),
      as: await asCustomer(found.customerId, { user: "carol@fabrikam.example" }),
    },
  );
  expect(accepted.status, accepted.text).toBe(202);
}

export function liveOrders(
  http: PipelineHttp,
  partnerCenter: PartnerCenterForTests,
  context: () => InvocationContext,
) {
  const processQueues = () => workOffQueues(http, context);

  /**
   * The partner, the customer (asked as reseller; accepted in Partner Center by `accept`, or in records
   * mode through the service), an offer (with Partner Center's catalogue item unless
   * `partnerCenterOffer` is false) and the customer's EA subscriptions of it.
   */
  async function world(subscriptionIds: readonly string[], partnerCenterOffer = true): Promise<LiveWorld> {
    const partnerId = uniqueId("contoso");
    const { link, tenantId } = await partnerCenter.link(partnerId);
    expect(
      (
        await call(putPartner, "PUT", `/api/partners/${partnerId}`, {
          params: { partnerId },
          body: { ...partnerBody, partnerCenter: link },
        })
      ).status,
    ).toBe(201);
    const customerId = uniqueId("fabrikam");
    await registerCustomer(customerId);
    const offerId = uniqueId("e3");
    const offer = await call(putOffer, "PUT", `/api/offers/${offerId}`, {
      params: { offerId },
      body: {
        name: "Office 365 E3",
        kind: "license",
        discontinued: false,
        equivalentOfferIds: [],
        ...(partnerCenterOffer ? { partnerCenter: sold } : {}),
      },
    });
    expect(offer.status, offer.text).toBe(201);
    for (const subscriptionId of subscriptionIds) {
      const stored = await call(
        putSubscription,
        "PUT",
        `/api/customers/${customerId}/subscriptions/${subscriptionId}`,
        { params: { customerId, subscriptionId }, body: { ...subscriptionBody, offerId } },
      );
      expect(stored.status, stored.text).toBe(201);
    }
    const requested = await call(postRelationshipRequest, "POST", "/api/relationship-requests", {
      key: uniqueId("rel"),
      body: { partnerId, customerId, actor, delegatedAdmin: false },
    });
    expect(requested.status, requested.text).toBe(202);
    await processQueues();
    const relationshipId = (requested.body as { id: string }).id;
    return { relationshipId, partnerId, customerId, tenantId, offerId };
  }

  /** The customer accepts in Partner Center; its event makes the relationship active. */
  async function accept(found: LiveWorld): Promise<void> {
    await partnerCenter.control(`customers/${found.customerId}/accept`, { partnerTenantId: found.tenantId });
    await processQueues();
  }

  /** Posts a migration of these subscriptions, each item with `item`'s choices (at term end by default). */
  async function submitMigration(
    found: Pick<LiveWorld, "partnerId" | "customerId">,
    subscriptionIds: readonly string[],
    item: Partial<MigrationItemRequest> = {},
  ): Promise<string> {
    return postMigrationAs(
      found,
      subscriptionIds.map((subscriptionId) => ({ subscriptionId, cancelOriginal: "at-term-end", ...item })),
    );
  }

  async function migrationOf(id: string): Promise<MigrationView> {
    const answer = await call(getMigration, "GET", `/api/migrations/${id}`, { params: { id } });
    expect(answer.status, answer.text).toBe(200);
    return answer.body as MigrationView;
  }

  /** The orders the local Partner Center made for this partner's tenant. */
  const ordersOf = (tenantId: string) => partnerCenter.madeFor("orders", tenantId);

  /** The cart and checkout calls made as this partner: "METHOD path status", the cart id as {id}. */
  const purchasesAs = (tenantId: string) => partnerCenter.callsAs(tenantId, "carts");

  return { processQueues, world, accept, submitMigration, migrationOf, ordersOf, purchasesAs };
}
