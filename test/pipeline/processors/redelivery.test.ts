/**
 * Service Bus delivers at least once: every message may come again, later, interleaved with others,
 * or twice at the same time. Whatever the order, a message handled again leaves the state (entities
 * and history) as once.
 */
import type { PipelineRequest } from "@azure/core-rest-pipeline";
import { describe, expect, it } from "vitest";

import { processMigrationMessage } from "../../../functions/processMigrationMessage.js";
import { processRelationshipMessage } from "../../../functions/processRelationshipMessage.js";
import type { MigrationMessage, RelationshipMessage } from "../../../shared/messaging/messages.js";
import { processRelationship } from "../../../shared/pipeline/processRelationship.js";
import { loadCustomerState, readHistory } from "../../../shared/storage/index.js";
import {
  aSubscription,
  historySteps,
  invocation,
  migrationRequest,
  partitionRows,
  relationshipAnswer,
  relationshipRequest,
  seedWorld,
  submitMigration,
  submitRelationship,
  usePipelineWorld,
} from "./support.js";

/** Fails the customers-table transactions a test names, before they are sent. */
const faults = {
  failing: undefined as ((request: PipelineRequest) => boolean) | undefined,
  fired: 0,
};
const world = usePipelineWorld(import.meta.url, {
  policies: [
    {
      name: "injectedFault",
      sendRequest(request, next) {
        if (faults.failing?.(request) === true) {
          faults.fired += 1;
          return Promise.reject(new Error(`injected fault: ${request.method} ${request.url}`));
        }
        return next(request);
      },
    },
  ],
});

type Message = RelationshipMessage | MigrationMessage;

async function deliver(message: Message): Promise<void> {
  const { context } = invocation("p");
  if (message.type === "migration-request") await processMigrationMessage(message, context);
  else await processRelationshipMessage(message, context);
}

async function customerWithWork(answer: "accept" | "decline") {
  const ids = await seedWorld(world.store, {
    subscriptions: (customerId) => [aSubscription(customerId, "sub-1"), aSubscription(customerId, "sub-2")],
  });
  const relationshipId = await submitRelationship(world.store, ids);
  const waiting = await submitMigration(world.store, ids);
  const later = await submitMigration(world.store, ids, [
    { subscriptionId: "sub-2", cancelOriginal: "immediately" },
  ]);
  return {
    ...ids,
    relationshipId,
    waiting,
    later,
    messages: {
      request: relationshipRequest(ids.customerId, relationshipId),
      migration: migrationRequest(ids.customerId, waiting),
      answer: relationshipAnswer(ids.customerId, relationshipId, answer),
      laterMigration: migrationRequest(ids.customerId, later),
    },
  };
}

describe("redelivery", () => {
  it("leaves the state as once when every message comes two or three times, interleaved between two customers", async () => {
    const a = await customerWithWork("accept");
    const b = await customerWithWork("decline");
    const schedule: Message[] = [
      a.messages.request,
      b.messages.request,
      a.messages.request,
      a.messages.migration,
      b.messages.request,
      b.messages.migration,
      a.messages.migration,
      a.messages.request,
      a.messages.answer,
      b.messages.migration,
      b.messages.answer,
      a.messages.answer,
      a.messages.migration,
      a.messages.laterMigration,
      b.messages.answer,
      a.messages.answer,
      a.messages.laterMigration,
      b.messages.laterMigration,
      b.messages.request,
      a.messages.laterMigration,
      b.messages.laterMigration,
    ];
    const seen = new Set<Message>();
    const snapshot = async () => [
      await partitionRows(world.store, a.customerId),
      await partitionRows(world.store, b.customerId),
    ];
    for (const message of schedule) {
      world.clock.now = new Date(world.clock.now.getTime() + 60_000);
      const before = await snapshot();
      await deliver(message);
      if (seen.has(message)) expect(await snapshot(), `again: ${JSON.stringify(message)}`).toEqual(before);
      seen.add(message);
    }

    const stateA = await loadCustomerState(world.store, a.customerId);
    expect(stateA.relationships.get(a.relationshipId)?.value.status).toBe("active");
    expect(stateA.migrations.get(a.waiting)?.value.status).toBe("awaiting-term-end");
    expect(stateA.migrations.get(a.later)?.value.status).toBe("completed");
    expect(
      await historySteps(world.store, a.customerId, { kind: "relationship", id: a.relationshipId }),
    ).toEqual(["null → submitted", "submitted → pending", "pending → active"]);
    expect(await historySteps(world.store, a.customerId, { kind: "subscription", id: "sub-2" })).toEqual([
      "active → cancelled",
    ]);
    const stateB = await loadCustomerState(world.store, b.customerId);
    expect(stateB.relationships.get(b.relationshipId)?.value.status).toBe("declined");
    expect(stateB.migrations.get(b.waiting)?.value.status).toBe("rejected");
    // Decided after the declination: no relationship stands, so the partner must ask again (REL-1).
    expect(stateB.migrations.get(b.later)?.value.violations.map((found) => found.rule)).toEqual(["REL-1"]);
  });

  it("writes each step once when the same message is handled twice at the same time", async () => {
    const a = await customerWithWork("accept");
    await Promise.all([deliver(a.messages.request), deliver(a.messages.request)]);
    await Promise.all([deliver(a.messages.migration), deliver(a.messages.migration)]);
    await Promise.all([deliver(a.messages.answer), deliver(a.messages.answer), deliver(a.messages.answer)]);
    await Promise.all([deliver(a.messages.laterMigration), deliver(a.messages.laterMigration)]);

    expect(
      await historySteps(world.store, a.customerId, { kind: "relationship", id: a.relationshipId }),
    ).toEqual(["null → submitted", "submitted → pending", "pending → active"]);
    expect(await historySteps(world.store, a.customerId, { kind: "migration", id: a.waiting })).toEqual([
      "null → submitted",
      "submitted → awaiting-relationship",
      "sub-1: null → planned",
      "awaiting-relationship → provisioning",
      "provisioning → awaiting-term-end",
      "sub-1: planned → provisioned",
    ]);
    expect(await historySteps(world.store, a.customerId, { kind: "migration", id: a.later })).toEqual([
      "null → submitted",
      "submitted → provisioning",
      "provisioning → completed",
      "sub-2: null → planned",
      "sub-2: planned → provisioned",
      "sub-2: provisioned → original-cancelled",
    ]);
  });
});

describe("an answer with more waiting migrations than one transaction holds", () => {
  const MIGRATIONS = 20;
  const ITEMS = 3;

  async function manyWaiting() {
    const ids = await seedWorld(world.store, {
      subscriptions: (customerId) =>
        Array.from({ length: MIGRATIONS * ITEMS }, (_, index) => aSubscription(customerId, `sub-${index}`)),
    });
    const relationshipId = await submitRelationship(world.store, ids);
    await deliver(relationshipRequest(ids.customerId, relationshipId));
    const migrations: string[] = [];
    for (let m = 0; m < MIGRATIONS; m += 1) {
      const request = Array.from({ length: ITEMS }, (_, i) => ({
        subscriptionId: `sub-${m * ITEMS + i}`,
        cancelOriginal: "at-term-end" as const,
      }));
      const id = await submitMigration(world.store, ids, request, {
        id: `mig-${String(m).padStart(2, "0")}`,
      });
      await deliver(migrationRequest(ids.customerId, id));
      migrations.push(id);
    }
    return { ...ids, relationshipId, migrations };
  }

  async function expectAllResumedOnce(customerId: string, migrations: readonly string[]) {
    const state = await loadCustomerState(world.store, customerId);
    for (const id of migrations) {
      expect(state.migrations.get(id)?.value.status, id).toBe("awaiting-term-end");
      const steps = (await readHistory(world.store, customerId, { kind: "migration", id })).map(
        (record) => `${record.lineItem ?? ""}${record.from ?? "null"}→${record.to}`,
      );
      expect(new Set(steps).size, id).toBe(steps.length);
      expect(
        steps.filter((step) => step.endsWith("→awaiting-term-end")),
        id,
      ).toHaveLength(1);
    }
  }

  it("commits the answer first, then each migration on its own", async () => {
    const { customerId, relationshipId, migrations } = await manyWaiting();

    const result = await processRelationship(relationshipAnswer(customerId, relationshipId, "accept"));

    expect(result.moved.map((entity) => entity.id)).toEqual([relationshipId, ...migrations]);
    // The answer, one decision per migration, and a last look that finds none left.
    expect(result.attempts).toBe(1 + MIGRATIONS + 1);
    await expectAllResumedOnce(customerId, migrations);
  });

  it("finishes the migrations on redelivery when it died after the answer committed", async () => {
    const { customerId, relationshipId, migrations } = await manyWaiting();
    let transactions = 0;
    faults.fired = 0;
    // The answer commits; the third migration's commit fails, as if the process died there.
    faults.failing = (request) =>
      request.method === "POST" &&
      request.url.endsWith("$batch") &&
      typeof request.body === "string" &&
      request.body.includes(customerId) &&
      // The customer's own transactions, not the map partition's batches after them.
      request.body.includes(`/${world.store.physicalName("customers")}`) &&
      ++transactions === 4;
    const answer = relationshipAnswer(customerId, relationshipId, "accept");
    try {
      await expect(processRelationship(answer)).rejects.toThrow("injected fault");
    } finally {
      faults.failing = undefined;
    }
    expect(faults.fired).toBe(1);
    const halfway = await loadCustomerState(world.store, customerId);
    expect(halfway.relationships.get(relationshipId)?.value.status).toBe("active");
    expect(
      migrations
        .map((id) => halfway.migrations.get(id)?.value.status)
        .filter((s) => s === "awaiting-term-end"),
    ).toHaveLength(2);

    const again = await processRelationship(answer);

    expect(again.moved.slice(1).map((entity) => entity.id)).toEqual(migrations.slice(2));
    await expectAllResumedOnce(customerId, migrations);
    // And once more changes nothing.
    expect((await processRelationship(answer)).writes).toBe(0);
  });
});
