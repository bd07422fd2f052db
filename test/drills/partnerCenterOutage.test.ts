/**
 * Drill: Partner Center unreachable for a while — the local Partner Center stops listening, so every
 * call is refused — while relationship requests (with delegated admin) and migrations flow through
 * the whole local stack in `live` mode. The intake takes them all (it asks nothing of Partner
 * Center); their processing fails and Service Bus redelivers at once, so an outage longer than the
 * queue's deliveries dead-letters them — the designed behaviour: nothing waits in the processor.
 * One purchase is caught mid-way: its checkout made, the answer cut off by the outage. Once Partner
 * Center is back, `npm run ops -- dead-letters replay` sends them again and every one reaches its
 * end state: nothing lost, nothing doubled (one GDAP relationship per customer, one order per item,
 * the caught one's too, in the local Partner Center), nothing left dead-lettered.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { runOps } from "../../local/ops/commands.js";
import { partnerCenterControl } from "../../local/partner-center/index.js";
import type { LocalStack } from "../../local/stack.js";
import { QUEUES } from "../../shared/messaging/messages.js";
import { probePort, queuesWorkedOff, startTestStack, waitFor } from "../e2e/helpers.js";
import { liveWorld, type LiveWorld } from "../e2e/liveWorld.js";

/** Long enough for every message to use up its deliveries while nothing answers. */
const OUTAGE_SECONDS = 8;
const CUSTOMERS = 3;

let stack: LocalStack;
let closeStack: () => Promise<void>;
let world: LiveWorld;

beforeAll(async () => {
  ({ stack, close: closeStack } = await startTestStack());
  world = await liveWorld(stack);
});

afterAll(async () => {
  await closeStack();
});

function emulatorCounts() {
  if (stack.serviceBus.kind !== "started") throw new Error("the stack runs against an external Service Bus");
  return stack.serviceBus.stats().entities;
}

const deadLettered = () =>
  [QUEUES.relationships, QUEUES.migrations].map((queue) => emulatorCounts()[queue]?.deadLettered ?? 0);

async function ops(...argv: string[]): Promise<{ code: number; stdout: string }> {
  if (stack.serviceBus.kind !== "started") throw new Error("the stack runs against an external Service Bus");
  let stdout = "";
  const code = await runOps(argv, {
    env: { ServiceBusConnection: stack.serviceBus.connectionString },
    stdout: (text) => (stdout += text),
    stderr: () => undefined,
    now: () => new Date(),
  });
  return { code, stdout };
}

describe("Partner Center unreachable for a while", () => {
  it("dead-letters what came in meanwhile; replayed once it is back, everything completes, once", async () => {
    const partner = await world.aPartner();
    const buying = await Promise.all(
      Array.from({ length: CUSTOMERS }, () => world.accepted(partner, ["ea-1"])),
    );
    expect(deadLettered()).toEqual([0, 0]);
    // One purchase is caught by the outage: its checkout made, its answer still on the way.
    const [caught, ...later] = buying;
    if (caught === undefined) throw new Error("no customer to buy for");
    await partnerCenterControl(world.pc.url, "faults", { answer: "hold", count: 1, path: "/checkout$" });
    const caughtId = await world.migrate(partner, caught, ["ea-1"]);
    await waitFor(
      () => world.ordersOf(caught),
      (orders) => orders.length === 1,
    );

    const pcPort = Number(new URL(world.pc.url).port);
    await partnerCenterControl(world.pc.url, "outage", { seconds: OUTAGE_SECONDS });
    expect(await probePort(pcPort)).toBe("refused");
    const inviting = await Promise.all(
      Array.from({ length: CUSTOMERS }, () => world.requested(partner, {}, true)),
    );
    const migrationIds = [
      caughtId,
      ...(await Promise.all(later.map((customer) => world.migrate(partner, customer, ["ea-1"])))),
    ];
    // Every one used its deliveries up while Partner Center refused each call.
    await waitFor(
      () => Promise.resolve(deadLettered()),
      (counts) => counts.every((count) => count === CUSTOMERS),
      { timeoutMs: OUTAGE_SECONDS * 1000 },
    );
    for (const queue of [QUEUES.relationships, QUEUES.migrations]) {
      const listed = await ops("dead-letters", "list", "--queue", queue);
      const letters = JSON.parse(listed.stdout) as { reason?: string }[];
      expect(letters.map((letter) => letter.reason)).toEqual(
        Array.from({ length: CUSTOMERS }, () => "MaxDeliveryCountExceeded"),
      );
    }

    await waitFor(
      () => probePort(pcPort),
      (state) => state === "open",
      { timeoutMs: OUTAGE_SECONDS * 2000 },
    );
    for (const queue of [QUEUES.relationships, QUEUES.migrations])
      expect((await ops("dead-letters", "replay", "--queue", queue, "--all")).code).toBe(0);
    await queuesWorkedOff(stack);
    expect(deadLettered()).toEqual([0, 0]);

    // Nothing lost: each invitation made and shown, each item ordered.
    const gdap = await world.delegatedAdminOf(partner);
    for (const customer of inviting) {
      const relationship = await world.relationshipOf(partner, customer);
      const held = gdap.filter(
        (found) => (found.customer as { tenantId?: string }).tenantId === customer.customerId,
      );
      // Nothing doubled: one GDAP relationship per customer, locked for approval once.
      expect(held).toMatchObject([
        { id: relationship.invitation?.delegatedAdmin?.id, status: "approvalPending" },
      ]);
    }
    // The caught purchase asked again after the replay: the same cart and order, not a second.
    for (const [index, customer] of buying.entries()) {
      const [order, ...more] = await world.ordersOf(customer);
      expect(more, customer.customerId).toEqual([]);
      const migration = await world.migrationOf(partner, migrationIds[index] ?? "");
      expect(migration.items[0]).toMatchObject({ execution: "ordered", order: { id: order?.id } });
    }
    const asked = await world.askedAs(partner);
    expect(
      asked.filter((line) => line === "POST /v1.0/tenantRelationships/delegatedAdminRelationships 201"),
    ).toHaveLength(CUSTOMERS);
  });
});
