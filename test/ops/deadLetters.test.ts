/**
 * `npm run ops -- dead-letters …` and `status` against the real local stack: the local host runs the
 * relationship processor, the project's Service Bus emulator holds the queue (two deliveries, then
 * the dead-letter queue) and Azurite the tables. A storage outage poisons a message; once storage is
 * back, a replay brings it to a processor that completes it, once.
 */
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { beforeAll, describe, expect, it } from "vitest";

import { runOps } from "../../local/ops/commands.js";
import { pollUntil } from "../../local/poll.js";
import { QUEUES } from "../../shared/messaging/messages.js";
import { sendMessage } from "../../shared/messaging/sender.js";
import { setRuntimeForTests } from "../../shared/pipeline/runtime.js";
import { runSweep } from "../../shared/pipeline/sweep.js";
import { createTableStore, getEntity } from "../../shared/storage/index.js";
import { useDrillHost } from "../drills/support.js";
import {
  historySteps,
  NOW,
  relationshipRequest,
  seedWorld,
  submitRelationship,
} from "../pipeline/processors/support.js";
import { tablesConnection } from "../setup/tables.js";

const QUEUE = QUEUES.relationships;
const drill = useDrillHost(import.meta.url, {
  functions: ["index", "processRelationshipMessage"],
  queues: { maxDeliveryCount: 2 },
});

let outage = false;
const outagePolicy: PipelinePolicy = {
  name: "storageOutage",
  sendRequest: (request, next) =>
    outage ? Promise.reject(new Error(`storage outage: ${request.method} ${request.url}`)) : next(request),
};

beforeAll(() => {
  // The functions read and write through a store that fails while `outage` holds; seeding does not.
  const store = createTableStore({
    connection: { kind: "connection-string", connectionString: tablesConnection() },
    prefix: drill.store().prefix,
    policies: [outagePolicy],
  });
  setRuntimeForTests({ store, now: () => new Date(NOW) });
});

interface Run {
  code: number;
  stdout: string;
  audit: Record<string, unknown>[];
  stderr: string;
}

async function ops(...argv: string[]): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await runOps(argv, {
    env: {
      ServiceBusConnection: drill.emulator().connectionString,
      TABLES_CONNECTION: tablesConnection(),
      TABLES_PREFIX: drill.store().prefix,
    },
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    now: () => new Date(NOW),
  });
  const audit = stderr
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { code, stdout, stderr, audit };
}

const deadLettered = () => drill.emulator().stats().entities[QUEUE]?.deadLettered ?? 0;
const active = () => drill.emulator().stats().entities[QUEUE]?.active ?? 0;

/** A relationship request whose processing fails until storage is back: dead-lettered after 2 tries. */
async function poisoned(): Promise<{ customerId: string; relationshipId: string }> {
  const { partnerId, customerId } = await seedWorld(drill.store());
  const relationshipId = await submitRelationship(drill.store(), { partnerId, customerId });
  const before = deadLettered();
  outage = true;
  try {
    await sendMessage(QUEUE, relationshipRequest(customerId, relationshipId));
    await pollUntil({
      label: "the dead letter",
      read: () => Promise.resolve(deadLettered()),
      statusOf: (count) => `${count} dead-lettered`,
      done: (count) => count > before,
      out: () => undefined,
    });
  } finally {
    outage = false;
  }
  return { customerId, relationshipId };
}

describe("ops dead-letters", () => {
  it("lists and shows a poisoned message, and replay brings it back to a processor that completes it, once", async () => {
    const { customerId, relationshipId } = await poisoned();
    const requestId = relationshipRequest(customerId, relationshipId).requestId;
    expect(drill.invocations.count("processRelationshipMessage", "Failed")).toBe(2);

    const list = await ops("dead-letters", "list", "--queue", QUEUE);
    expect(list.code).toBe(0);
    const letters = JSON.parse(list.stdout) as Record<string, unknown>[];
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      messageId: requestId,
      reason: "MaxDeliveryCountExceeded",
      deliveryCount: 2,
    });
    expect(typeof letters[0]?.enqueuedTime).toBe("string");

    const show = await ops("dead-letters", "show", "--queue", QUEUE, "--id", requestId);
    expect(show.code).toBe(0);
    const whole = JSON.parse(show.stdout) as {
      body: unknown;
      applicationProperties: Record<string, unknown>;
    };
    expect(whole.body).toEqual(relationshipRequest(customerId, relationshipId));
    expect(whole.applicationProperties).toMatchObject({ customerId, schemaVersion: 1 });

    const replay = await ops("dead-letters", "replay", "--queue", QUEUE, "--id", requestId);
    expect(replay.code).toBe(0);
    expect(replay.audit).toEqual([
      expect.objectContaining({
        action: "dead-letters.replay",
        queue: QUEUE,
        messageId: requestId,
        outcome: "replayed",
      }),
    ]);
    expect(replay.audit[0]?.actor).toMatchObject({ osUser: expect.any(String) as unknown });
    await drill.invocations.until(
      () => drill.invocations.count("processRelationshipMessage", "Succeeded") === 1,
      "the replayed message's processing",
    );

    // Nothing lost: off both queues, decided. Nothing doubled: one decision in the history.
    // (The host completes the message just after the invocation ends.)
    await pollUntil({
      label: "the queues to empty",
      read: () => Promise.resolve([deadLettered(), active()]),
      statusOf: (counts) => counts.join(" "),
      done: (counts) => counts.every((count) => count === 0),
      out: () => undefined,
    });
    const stored = await getEntity(drill.store(), "relationship", customerId, relationshipId);
    expect(stored?.value.status).not.toBe("submitted");
    const steps = await historySteps(drill.store(), customerId, { kind: "relationship", id: relationshipId });
    expect(steps).toHaveLength(2);
    expect(steps[0]).toBe("null → submitted");

    // A second replay of the same id finds nothing to replay and sends nothing.
    const again = await ops("dead-letters", "replay", "--queue", QUEUE, "--id", requestId);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toEqual([]);
    expect(active()).toBe(0);
    expect(drill.invocations.count("processRelationshipMessage")).toBe(3);
  });

  it("shows the dead letter in status; purge without --yes does nothing, with it empties the queue", async () => {
    await poisoned();
    await runSweep({
      asOf: new Date(NOW),
      dryRun: false,
      runtime: { store: drill.store(), now: () => new Date(NOW) },
    });
    const status = await ops("status");
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`${QUEUE}\\s+active 0\\s+dead-lettered 1`));
    expect(status.stdout).toMatch(/relationships by status: .*submitted 1/);
    expect(status.stdout).toMatch(/next sweep: 2025-03-01T02:00:00\.000Z, would touch 0 customer/);
    expect(status.stdout).toMatch(/last sweep: finished 2025-03-01T00:00:00\.000Z by timer/);

    const refused = await ops("dead-letters", "purge", "--queue", QUEUE, "--all");
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("--yes");
    expect(deadLettered()).toBe(1);

    const purged = await ops("dead-letters", "purge", "--queue", QUEUE, "--all", "--yes");
    expect(purged.code).toBe(0);
    expect(purged.audit.map((line) => line.action)).toEqual(["dead-letters.purge"]);
    expect(deadLettered()).toBe(0);
  });

  it("refuses a queue it does not know and a replay that names nothing", async () => {
    expect((await ops("dead-letters", "list", "--queue", "nope")).code).toBe(2);
    expect((await ops("dead-letters", "replay", "--queue", QUEUE)).code).toBe(2);
  });
});
