/**
 * Drill: two partners, both with an active relationship with the customer, ask at the same moment
 * to migrate the same subscription — each signed with its own partner key, over HTTP to the local host, decided by the
 * host's Service Bus trigger. Exactly one migration proceeds; the other is rejected with MIG-1,
 * naming the migration that holds the subscription. Several customers race at once.
 */
import { randomUUID } from "node:crypto";

import { describe, expect, it } from "vitest";

import { migrationViewSchema, type MigrationView } from "../../shared/http/views.js";
import { historyEntry, type Relationship } from "../../shared/domain/index.js";
import {
  appendHistory,
  blankCustomerState,
  commit,
  put,
  putOffer,
  putPartner,
} from "../../shared/storage/index.js";
import { aCustomer, anOffer, aPartner, aSubscription } from "../pipeline/processors/support.js";
import { OPERATOR, partnerKey } from "../setup/callers.js";
import { uniqueId } from "../setup/tables.js";
import { signedFetch, useDrillHost } from "./support.js";

const drill = useDrillHost(import.meta.url);
const CUSTOMERS = 5;
const DAY_MS = 86_400_000;

function activeRelationship(partnerId: string, customerId: string, at: string): Relationship {
  return {
    id: uniqueId("rel"),
    partnerId,
    customerId,
    status: "active",
    delegatedAdmin: true,
    requestedBy: { userId: "alice@partner.example", role: "global-admin" },
    createdAt: at,
    updatedAt: at,
    answeredBy: "carol@customer.example",
    violations: [],
  };
}

/** A customer with one license subscription and an active relationship with each partner. */
async function contestedCustomer(partners: readonly string[]): Promise<string> {
  const customerId = uniqueId("cust");
  const now = new Date().toISOString();
  const relationships = partners.map((partnerId) => activeRelationship(partnerId, customerId, now));
  await commit(drill.store(), blankCustomerState(customerId), [
    put.customer(aCustomer(customerId)),
    put.subscription(
      aSubscription(customerId, "sub-1", {
        termStart: new Date(Date.now() - 200 * DAY_MS).toISOString(),
        termEnd: new Date(Date.now() + 165 * DAY_MS).toISOString(),
      }),
    ),
    ...relationships.flatMap((relationship) => [
      put.relationship(relationship),
      appendHistory(
        { kind: "relationship", id: relationship.id },
        historyEntry(now, "carol@customer.example", "pending", "active", ["REL-2"]),
      ),
    ]),
  ]);
  return customerId;
}

async function postMigration(partnerId: string, customerId: string): Promise<string> {
  const response = await signedFetch(drill.baseUrl(), await partnerKey(drill.store(), partnerId), {
    method: "POST",
    path: "migrations",
    body: {
      partnerId,
      customerId,
      actor: { userId: "bob@partner.example", role: "account-admin" },
      items: [{ subscriptionId: "sub-1", cancelOriginal: "at-term-end" }],
    },
    idempotencyKey: randomUUID(),
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

async function migration(id: string): Promise<MigrationView> {
  // The operator reads every partner's migrations (TEN-2).
  const response = await signedFetch(drill.baseUrl(), OPERATOR, { method: "GET", path: `migrations/${id}` });
  expect(response.status).toBe(200);
  return migrationViewSchema.parse(await response.json());
}

describe("drill: two partners migrate the same subscription at once", () => {
  it("lets exactly one proceed and rejects the other with MIG-1 naming it", { timeout: 60_000 }, async () => {
    const partners = [uniqueId("partner-a"), uniqueId("partner-b")];
    for (const id of partners) {
      await putPartner(drill.store(), aPartner(id));
      await partnerKey(drill.store(), id);
    }
    await putOffer(drill.store(), anOffer("o365-e3"));
    const customers = await Promise.all(Array.from({ length: CUSTOMERS }, () => contestedCustomer(partners)));
    const decidedBefore = drill.invocations.count("processMigrationMessage", "Succeeded");

    const races = await Promise.all(
      customers.map((customerId) =>
        Promise.all(partners.map((partnerId) => postMigration(partnerId, customerId))),
      ),
    );
    await drill.invocations.until(
      () => drill.invocations.count("processMigrationMessage", "Succeeded") >= decidedBefore + 2 * CUSTOMERS,
      "every migration decided",
    );

    for (const ids of races) {
      const views = await Promise.all(ids.map(migration));
      const winners = views.filter((view) => view.status === "awaiting-term-end");
      const losers = views.filter((view) => view.status === "rejected");
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(1);
      const [winner, loser] = [winners[0]!, losers[0]!];
      expect(loser.partnerId).not.toBe(winner.partnerId);
      const violations = [...loser.violations, ...loser.items.flatMap((item) => item.violations)];
      expect(violations.map((found) => found.rule)).toContain("MIG-1");
      expect(violations.find((found) => found.rule === "MIG-1")?.message).toContain(winner.id);
      expect(winner.items.map((item) => item.status)).toEqual(["provisioned"]);
    }
  });
});
