import { describe, expect, it } from "vitest";

import { processMigrationMessage } from "../../../functions/processMigrationMessage.js";
import { processRelationshipMessage } from "../../../functions/processRelationshipMessage.js";
import { addDays, newSubscriptionId } from "../../../shared/domain/index.js";
import { PoisonMessageError } from "../../../shared/pipeline/queueMessage.js";
import { ReferenceCache } from "../../../shared/pipeline/referenceCache.js";
import { setRuntimeForTests } from "../../../shared/pipeline/runtime.js";
import {
  getEntity,
  listDue,
  loadCustomerState,
  readHistory,
  readOutbox,
} from "../../../shared/storage/index.js";
import {
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
  usePipelineWorld,
} from "./support.js";

const world = usePipelineWorld(import.meta.url);

async function relationshipOf(customerId: string, id: string) {
  return (await getEntity(world.store, "relationship", customerId, id))?.value;
}

async function migrationOf(customerId: string, id: string) {
  return (await getEntity(world.store, "migration", customerId, id))?.value;
}

/** A pending invitation and a migration waiting on it, both through the processors. */
async function waitingMigration() {
  const ids = await seedWorld(world.store);
  const relationshipId = await submitRelationship(world.store, ids);
  await processRelationshipMessage(
    relationshipRequest(ids.customerId, relationshipId),
    invocation("p").context,
  );
  const migrationId = await submitMigration(world.store, ids);
  await processMigrationMessage(migrationRequest(ids.customerId, migrationId), invocation("p").context);
  expect((await migrationOf(ids.customerId, migrationId))?.status).toBe("awaiting-relationship");
  return { ...ids, relationshipId, migrationId };
}

describe("relationship requests", () => {
  it("turns a submitted request into a pending invitation that expires after INVITATION_TTL_DAYS (REL-1, REL-3)", async () => {
    const ids = await seedWorld(world.store);
    const id = await submitRelationship(world.store, ids);
    const { context, lines } = invocation("processRelationshipMessage");

    await processRelationshipMessage(relationshipRequest(ids.customerId, id), context);

    const expiresAt = addDays(NOW, 90);
    expect(await relationshipOf(ids.customerId, id)).toMatchObject({
      status: "pending",
      expiresAt,
      violations: [],
    });
    expect(await readHistory(world.store, ids.customerId, { kind: "relationship", id })).toMatchObject([
      { from: null, to: "submitted" },
      { from: "submitted", to: "pending", rules: ["REL-1"], by: "system", at: NOW },
    ]);
    // The sweep will find it when it expires.
    const due = await listDue(world.store, "invitation", expiresAt);
    expect(due.filter((entry) => entry.entityId === id)).toHaveLength(1);
    expect(lines).toEqual([
      expect.objectContaining({
        level: "information",
        text: expect.stringContaining("submitted → pending") as string,
      }),
    ]);
  });

  it("rejects a request that breaks rules, with every rule id (CLOUD-1, MC-7)", async () => {
    const ids = await seedWorld(world.store, {
      partner: { cloud: "germany" },
      customer: { isCspPartner: true },
    });
    const id = await submitRelationship(world.store, ids);

    await processRelationshipMessage(relationshipRequest(ids.customerId, id), invocation("p").context);

    const stored = await relationshipOf(ids.customerId, id);
    expect(stored?.status).toBe("rejected");
    expect(stored?.violations.map((found) => found.rule)).toEqual(["CLOUD-1", "MC-7"]);
  });

  it("rejects a request whose partner is not registered, saying what to PUT, and completes the message", async () => {
    const ids = await seedWorld(world.store, { partner: false });
    const id = await submitRelationship(world.store, ids);
    const { context, lines } = invocation("p");

    await processRelationshipMessage(relationshipRequest(ids.customerId, id), context);

    const stored = await relationshipOf(ids.customerId, id);
    expect(stored?.status).toBe("rejected");
    expect(stored?.violations).toEqual([
      {
        rule: "CLOUD-1",
        message: expect.stringContaining(`PUT /api/partners/${ids.partnerId} first`) as string,
      },
    ]);
    expect(lines.map((line) => line.level)).toEqual(["warning"]);
  });

  it("rejects a request whose customer is not registered", async () => {
    const ids = await seedWorld(world.store, { customer: false });
    const id = await submitRelationship(world.store, ids);

    await processRelationshipMessage(relationshipRequest(ids.customerId, id), invocation("p").context);

    expect((await relationshipOf(ids.customerId, id))?.violations).toEqual([
      {
        rule: "CLOUD-1",
        message: expect.stringContaining(`PUT /api/customers/${ids.customerId} first`) as string,
      },
    ]);
  });

  it("completes with a warning and writes nothing when the relationship is not stored", async () => {
    const ids = await seedWorld(world.store);
    const before = await partitionRows(world.store, ids.customerId);
    const { context, lines } = invocation("p");

    await processRelationshipMessage(relationshipRequest(ids.customerId, "rel-never-stored"), context);

    expect(await partitionRows(world.store, ids.customerId)).toEqual(before);
    expect(lines).toEqual([
      { level: "warning", text: expect.stringContaining("rel-never-stored: not found") as string },
    ]);
  });
});

describe("relationship answers", () => {
  it("accepts: the relationship becomes active and the waiting migration resumes to awaiting-term-end", async () => {
    const { customerId, relationshipId, migrationId } = await waitingMigration();
    const { context, lines } = invocation("p");

    await processRelationshipMessage(relationshipAnswer(customerId, relationshipId, "accept"), context);

    expect(await relationshipOf(customerId, relationshipId)).toMatchObject({
      status: "active",
      answeredBy: "carol@customer.example",
    });
    const migration = await migrationOf(customerId, migrationId);
    expect(migration).toMatchObject({ status: "awaiting-term-end", relationshipId });
    expect(migration?.items).toMatchObject([{ subscriptionId: "sub-1", status: "provisioned" }]);
    expect(await historySteps(world.store, customerId, { kind: "migration", id: migrationId })).toEqual([
      "null → submitted",
      "submitted → awaiting-relationship",
      "sub-1: null → planned",
      "awaiting-relationship → provisioning",
      "provisioning → awaiting-term-end",
      "sub-1: planned → provisioned",
    ]);
    // MIG-1 step 2: the partner's subscription exists, with a history saying where it came from.
    const created = newSubscriptionId(migrationId, "sub-1");
    expect((await getEntity(world.store, "subscription", customerId, created))?.value).toMatchObject({
      channel: "csp",
      status: "active",
    });
    expect(await readHistory(world.store, customerId, { kind: "subscription", id: created })).toMatchObject([
      { from: null, to: "active", rules: ["MIG-1"], note: expect.stringContaining(migrationId) as string },
    ]);
    // The original runs to its term end (MIG-2).
    expect((await getEntity(world.store, "subscription", customerId, "sub-1"))?.value.status).toBe("active");
    expect(lines[0]?.text).toContain(
      `migration ${migrationId}: awaiting-relationship → provisioning → awaiting-term-end`,
    );
  });

  it("declines: the waiting migration is rejected with REL-2", async () => {
    const { customerId, relationshipId, migrationId } = await waitingMigration();

    await processRelationshipMessage(
      relationshipAnswer(customerId, relationshipId, "decline", "We stay direct"),
      invocation("p").context,
    );

    expect(await relationshipOf(customerId, relationshipId)).toMatchObject({
      status: "declined",
      declineReason: "We stay direct",
    });
    const migration = await migrationOf(customerId, migrationId);
    expect(migration?.status).toBe("rejected");
    expect(migration?.violations.map((found) => found.rule)).toEqual(["REL-2"]);
    expect(migration?.items.map((item) => item.status)).toEqual(["rejected"]);
  });

  it("resumes a waiting migration with a discontinued offer on its equivalent (MIG-5), reading the catalogue", async () => {
    const ids = await seedWorld(world.store, {
      subscriptions: (customerId) => [
        {
          id: "sub-old",
          customerId,
          offerId: "o365-old",
          kind: "license",
          channel: "direct",
          seats: 5,
          termStart: "2024-07-01T00:00:00.000Z",
          termEnd: "2025-07-01T00:00:00.000Z",
          billingCycle: "annual",
          status: "active",
        },
      ],
    });
    const relationshipId = await submitRelationship(world.store, ids);
    await processRelationshipMessage(
      relationshipRequest(ids.customerId, relationshipId),
      invocation("p").context,
    );
    const migrationId = await submitMigration(world.store, ids, [
      { subscriptionId: "sub-old", cancelOriginal: "at-term-end" },
    ]);
    await processMigrationMessage(migrationRequest(ids.customerId, migrationId), invocation("p").context);

    await processRelationshipMessage(
      relationshipAnswer(ids.customerId, relationshipId, "accept"),
      invocation("p").context,
    );

    const migration = await migrationOf(ids.customerId, migrationId);
    expect(migration?.status).toBe("awaiting-term-end");
    expect(migration?.items[0]).toMatchObject({
      targetOfferId: "o365-new",
      licenseReassignmentRequired: true,
    });
  });

  it("leaves an answer to a relationship that is not pending unapplied, and writes nothing", async () => {
    const ids = await seedWorld(world.store);
    const id = await submitRelationship(world.store, ids);
    // Apart from the outbox: the processor relays the submission's event on the way, clearing its row.
    const stateRows = async () =>
      (await partitionRows(world.store, ids.customerId)).filter(
        (row) => !String(row.rowKey).startsWith("evt|"),
      );
    const before = await stateRows();
    const { context, lines } = invocation("p");

    await processRelationshipMessage(relationshipAnswer(ids.customerId, id, "accept"), context);

    expect(await stateRows()).toEqual(before);
    expect(await readOutbox(world.store, ids.customerId)).toEqual([]);
    expect(lines).toEqual([
      { level: "warning", text: expect.stringContaining("answer not applied: REL-2") as string },
    ]);
  });

  it("fails the waiting migrations, saying what to PUT, when the partner has gone missing", async () => {
    const { customerId, relationshipId, migrationId } = await waitingMigration();
    const partnerId = (await relationshipOf(customerId, relationshipId))?.partnerId ?? "";
    // The partner's record is gone (deleted by hand), and this process has not cached it.
    await (await world.store.table("reference")).deleteEntity("partner", partnerId);
    setRuntimeForTests({ reference: new ReferenceCache(world.store) });

    await processRelationshipMessage(
      relationshipAnswer(customerId, relationshipId, "accept"),
      invocation("p").context,
    );

    expect((await relationshipOf(customerId, relationshipId))?.status).toBe("active");
    const migration = await migrationOf(customerId, migrationId);
    expect(migration?.status).toBe("failed");
    expect(migration?.failureReason).toContain(`PUT /api/partners/${partnerId} first`);
  });
});

describe("invalid relationship messages", () => {
  const cases: [string, unknown][] = [
    [
      "a missing field",
      { schemaVersion: 1, requestId: "r-1", customerId: "c-1", type: "relationship-request" },
    ],
    ["an unknown schema version", { ...relationshipRequest("c-1", "r-1"), schemaVersion: 2 }],
    ["an unknown type", { ...relationshipRequest("c-1", "r-1"), type: "relationship-removal" }],
    [
      "an answer that is neither accept nor decline",
      { ...relationshipAnswer("c-1", "r-1", "accept"), answer: "maybe" },
    ],
    ["text that is not JSON", "hello"],
    ["bytes that are not UTF-8", new Uint8Array([0xff, 0xfe, 0xfd])],
  ];
  it.each(cases)(
    "throws PoisonMessageError on %s, so the message dead-letters after its retries",
    async (_, body) => {
      await expect(processRelationshipMessage(body, invocation("p").context)).rejects.toThrow(
        PoisonMessageError,
      );
    },
  );

  it("accepts the body as JSON text or bytes, as the host may hand it over", async () => {
    const ids = await seedWorld(world.store);
    const first = await submitRelationship(world.store, ids);
    await processRelationshipMessage(
      JSON.stringify(relationshipRequest(ids.customerId, first)),
      invocation("p").context,
    );
    const second = await submitRelationship(world.store, { ...ids, partnerId: `${ids.partnerId}-2` });
    await processRelationshipMessage(
      Buffer.from(JSON.stringify(relationshipRequest(ids.customerId, second))),
      invocation("p").context,
    );
    const state = await loadCustomerState(world.store, ids.customerId);
    expect(state.relationships.get(first)?.value.status).toBe("pending");
    // The second partner is not registered: decided all the same.
    expect(state.relationships.get(second)?.value.status).toBe("rejected");
  });
});
