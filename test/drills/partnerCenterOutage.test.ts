/**
 * Drill: Partner Center unreachable for a while — the local Partner Center stops listening, so every
 * call is refused — while relationship requests (with delegated admin) and migrations flow through
 * the whole local stack in `live` mode. The intake takes them all (it asks nothing of Partner
 * Center); each processor's call is refused, so its message is sent again later, scheduled with a
 * growing back-off (queueTrigger.ts), never redelivered at once: an outage this long spent every
 * message's 10 immediate deliveries and dead-lettered it before. One purchase is caught mid-way: its
 * checkout made, the answer cut off by the outage. Once Partner Center is back every one reaches its
 * end state by itself, with no operator's replay: nothing lost, nothing doubled (one GDAP relationship
 * per customer, one order per item, the caught one's too, in the local Partner Center), nothing
 * dead-lettered.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { partnerCenterControl } from "../../local/partner-center/index.js";
import type { LocalStack } from "../../local/stack.js";
import { QUEUES } from "../../shared/messaging/messages.js";
import { probePort, queuesWorkedOff, startTestStack, waitFor } from "../e2e/helpers.js";
import { liveWorld, type LiveWorld } from "../e2e/liveWorld.js";

/** Long enough for 10 immediate deliveries of every message while nothing answers. */
const OUTAGE_SECONDS = 8;
const CUSTOMERS = 3;

let stack: LocalStack;
let closeStack: () => Promise<void>;
let world: LiveWorld;
const lines: string[] = [];

beforeAll(async () => {
  ({ stack, close: closeStack } = await startTestStack(
    (entry) => {
      if (entry.kind === "function") lines.push(entry.message);
    },
    // Back-offs of a fraction of a second growing to 2 s, and deliveries enough to outlast the outage.
    {
      env: {
        PARTNER_CENTER_RETRY_FIRST_SECONDS: "0.25",
        PARTNER_CENTER_RETRY_MAX_SECONDS: "2",
        PARTNER_CENTER_RETRY_ATTEMPTS: "20",
      },
    },
  ));
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

/** The attempts each message of `queue` was sent again for, by its id, from the host's log lines. */
function askedLater(queue: string): Map<string, number[]> {
  const found = new Map<string, number[]>();
  for (const line of lines) {
    const matched = new RegExp(
      `^${queue} message ([^:]+?)(?:\\.later-\\d+)?: .*did not answer.*attempt (\\d+) of`,
    ).exec(line);
    if (matched?.[1] === undefined) continue;
    found.set(matched[1], [...(found.get(matched[1]) ?? []), Number(matched[2])]);
  }
  return found;
}

describe("Partner Center unreachable for a while", () => {
  it("each message is asked again later while it is down; once it is back everything completes by itself, once", async () => {
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
    // Every message refused and sent again, scheduled, while Partner Center is down; none dead-lettered.
    await waitFor(
      () => Promise.resolve([askedLater(QUEUES.relationships), askedLater(QUEUES.migrations)]),
      (queues) =>
        queues.every(
          (messages) =>
            messages.size === CUSTOMERS && [...messages.values()].every((attempts) => attempts.length >= 2),
        ),
      { timeoutMs: OUTAGE_SECONDS * 1000 },
    );
    expect(deadLettered()).toEqual([0, 0]);

    await waitFor(
      () => probePort(pcPort),
      (state) => state === "open",
      { timeoutMs: OUTAGE_SECONDS * 2000 },
    );
    // Nothing lost: each invitation made and shown, each item ordered — by the scheduled copies alone.
    for (const customer of inviting)
      await waitFor(
        async () => (await world.relationshipOf(partner, customer)).invitation?.delegatedAdmin?.id,
        (id) => id !== undefined,
        { timeoutMs: 30_000 },
      );
    for (const migrationId of migrationIds)
      await waitFor(
        async () => (await world.migrationOf(partner, migrationId)).items[0]?.execution,
        (execution) => execution === "ordered",
        { timeoutMs: 30_000 },
      );
    await queuesWorkedOff(stack);
    expect(deadLettered()).toEqual([0, 0]);
    // Each message asked again attempt after attempt (2, 3, …), never twice for one attempt.
    for (const queue of [QUEUES.relationships, QUEUES.migrations])
      for (const [id, attempts] of askedLater(queue))
        expect(attempts, id).toEqual(attempts.map((_, index) => index + 2));

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
    // The caught purchase asked again after the outage: the same cart and order, not a second.
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
