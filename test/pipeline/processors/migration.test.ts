import { describe, expect, it } from "vitest";

import { processMigrationMessage } from "../../../functions/processMigrationMessage.js";
import { processRelationshipMessage } from "../../../functions/processRelationshipMessage.js";
import {
  MAX_MIGRATION_ITEMS,
  migrationRequestBodySchema,
  newSubscriptionId,
  type Subscription,
} from "../../../shared/domain/index.js";
import { PoisonMessageError } from "../../../shared/pipeline/queueMessage.js";
import { getEntity, listDue, readHistory } from "../../../shared/storage/index.js";
import {
  aSubscription,
  historySteps,
  invocation,
  migrationRequest,
  NOW,
  partitionRows,
  relationshipAnswer,
  relationshipRequest,
  seedWorld,
  submitMigration,
  submitRelationship,
  TERM_END,
  usePipelineWorld,
} from "./support.js";

const world = usePipelineWorld(import.meta.url);

type Ids = { partnerId: string; customerId: string };

async function withRelationship(ids: Ids, answer?: "accept"): Promise<string> {
  const id = await submitRelationship(world.store, ids);
  await processRelationshipMessage(relationshipRequest(ids.customerId, id), invocation("p").context);
  if (answer !== undefined) {
    await processRelationshipMessage(relationshipAnswer(ids.customerId, id, answer), invocation("p").context);
  }
  return id;
}

async function decide(ids: Ids, migrationId: string) {
  const logged = invocation("processMigrationMessage");
  await processMigrationMessage(migrationRequest(ids.customerId, migrationId), logged.context);
  const migration = (await getEntity(world.store, "migration", ids.customerId, migrationId))?.value;
  return { migration, lines: logged.lines };
}

async function subscriptionOf(customerId: string, id: string): Promise<Subscription | undefined> {
  return (await getEntity(world.store, "subscription", customerId, id))?.value;
}

describe("migration requests", () => {
  it("completes at once with an immediate cancellation: original cancelled without refund, replacement created (MIG-1, MIG-2)", async () => {
    const ids = await seedWorld(world.store);
    await withRelationship(ids, "accept");
    const id = await submitMigration(world.store, ids, [
      { subscriptionId: "sub-1", cancelOriginal: "immediately" },
    ]);

    const { migration } = await decide(ids, id);

    expect(migration?.status).toBe("completed");
    expect(migration?.items[0]).toMatchObject({
      status: "original-cancelled",
      refundNote: expect.stringContaining("no refund") as string,
    });
    expect((await subscriptionOf(ids.customerId, "sub-1"))?.status).toBe("cancelled");
    expect(
      await readHistory(world.store, ids.customerId, { kind: "subscription", id: "sub-1" }),
    ).toMatchObject([{ from: "active", to: "cancelled", rules: ["MIG-1", "MIG-2"], by: "system", at: NOW }]);
    const created = newSubscriptionId(id, "sub-1");
    expect((await subscriptionOf(ids.customerId, created))?.partnerOfRecord).toBe(ids.partnerId);
    expect(await historySteps(world.store, ids.customerId, { kind: "migration", id })).toEqual([
      "null → submitted",
      "submitted → provisioning",
      "provisioning → completed",
      "sub-1: null → planned",
      "sub-1: planned → provisioned",
      "sub-1: provisioned → original-cancelled",
    ]);
    // Nothing left for the sweep.
    const due = await listDue(world.store, "term-end", "2030-01-01T00:00:00.000Z");
    expect(due.filter((entry) => entry.entityId === id)).toEqual([]);
  });

  it("waits for the term end by default, with a term-end index entry for the sweep (MIG-2)", async () => {
    const ids = await seedWorld(world.store);
    await withRelationship(ids, "accept");
    const id = await submitMigration(world.store, ids);

    const { migration } = await decide(ids, id);

    expect(migration?.status).toBe("awaiting-term-end");
    expect(migration?.items[0]).toMatchObject({ status: "provisioned", cancelAt: TERM_END });
    expect((await subscriptionOf(ids.customerId, "sub-1"))?.status).toBe("active");
    const due = await listDue(world.store, "term-end", TERM_END);
    expect(due.filter((entry) => entry.entityId === id)).toMatchObject([{ dueAt: TERM_END }]);
  });

  it("waits for a pending invitation (REL-2, MC-4)", async () => {
    const ids = await seedWorld(world.store);
    const relationshipId = await withRelationship(ids);
    const id = await submitMigration(world.store, ids);

    const { migration } = await decide(ids, id);

    expect(migration).toMatchObject({ status: "awaiting-relationship", relationshipId });
    expect(migration?.items.map((item) => item.status)).toEqual(["planned"]);
  });

  it("rejects with every broken rule's id (ROLE-2, MIG-7) and completes the message", async () => {
    const ids = await seedWorld(world.store, { partner: { region: "EU" } });
    await withRelationship(ids, "accept");
    const id = await submitMigration(world.store, ids, undefined, { role: "helpdesk-agent" });

    const { migration, lines } = await decide(ids, id);

    expect(migration?.status).toBe("rejected");
    expect(migration?.violations.map((found) => found.rule)).toEqual(["ROLE-2", "MIG-7"]);
    expect(lines).toEqual([
      expect.objectContaining({
        level: "information",
        text: expect.stringContaining("submitted → rejected") as string,
      }),
    ]);
  });

  it("rejects without any relationship (REL-1)", async () => {
    const ids = await seedWorld(world.store);
    const id = await submitMigration(world.store, ids);

    const { migration } = await decide(ids, id);

    expect(migration?.status).toBe("rejected");
    expect(migration?.violations.map((found) => found.rule)).toEqual(["REL-1"]);
  });

  it("fails, saying what to PUT, when the partner is not registered", async () => {
    const ids = await seedWorld(world.store, { partner: false });
    const id = await submitMigration(world.store, ids);

    const { migration, lines } = await decide(ids, id);

    expect(migration?.status).toBe("failed");
    expect(migration?.failureReason).toBe(
      `Partner ${ids.partnerId} is not registered: PUT /api/partners/${ids.partnerId} first, then submit the migration again`,
    );
    expect(lines.map((line) => line.level)).toEqual(["warning"]);
  });

  it("fails, saying what to PUT, when the customer is not registered", async () => {
    const ids = await seedWorld(world.store, { customer: false });
    const id = await submitMigration(world.store, ids);

    const { migration } = await decide(ids, id);

    expect(migration?.failureReason).toBe(
      `Customer ${ids.customerId} is not registered: PUT /api/customers/${ids.customerId} first, then submit the migration again`,
    );
  });

  it("stores no migration of more items than a request may hold: the caps agree", async () => {
    const count = MAX_MIGRATION_ITEMS + 1;
    const ids = await seedWorld(world.store, {
      subscriptions: (customerId) =>
        Array.from({ length: count }, (_, index) => aSubscription(customerId, `sub-${index}`)),
    });
    const request = Array.from({ length: count }, (_, index) => ({
      subscriptionId: `sub-${index}`,
      cancelOriginal: "immediately" as const,
    }));

    const body = { ...ids, actor: { userId: "bob@contoso", role: "sales-agent" }, items: request };
    expect(migrationRequestBodySchema.safeParse(body).success).toBe(false);
    await expect(submitMigration(world.store, ids, request)).rejects.toThrow(
      new RegExp(`request: Too big: expected array to have <=${MAX_MIGRATION_ITEMS} items`),
    );
  });

  it("completes with a warning and writes nothing when the migration is not stored", async () => {
    const ids = await seedWorld(world.store);
    const before = await partitionRows(world.store, ids.customerId);

    const { lines } = await decide(ids, "mig-never-stored");

    expect(await partitionRows(world.store, ids.customerId)).toEqual(before);
    expect(lines).toEqual([
      { level: "warning", text: expect.stringContaining("mig-never-stored: not found") as string },
    ]);
  });

  it.each<[string, unknown]>([
    [
      "a missing migrationId",
      { schemaVersion: 1, requestId: "m-1", customerId: "c-1", type: "migration-request" },
    ],
    ["a relationship message", relationshipRequest("c-1", "r-1")],
    ["an id with a forbidden character", migrationRequest("c-1", "mig/1")],
    ["nothing", undefined],
  ])("throws PoisonMessageError on %s", async (_, body) => {
    await expect(processMigrationMessage(body, invocation("p").context)).rejects.toThrow(PoisonMessageError);
  });
});
