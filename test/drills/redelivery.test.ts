/**
 * Drill: Service Bus delivers at least once. Every processor message of several customers' work is
 * delivered three times, the copies shuffled together and handled 16 at a time by the local host's
 * Service Bus trigger (the real receive, complete and abandon), racing each other on the same
 * partitions. The final state — every entity and every history row — must be what one delivery of
 * each message leaves (a twin world, built the same way, gets each message once).
 *
 * test/pipeline/processors/redelivery.test.ts replays messages in-process in a fixed order; this
 * drill goes through the broker and the host, with copies of one message in flight at once.
 */
import { beforeAll, describe, expect, it } from "vitest";

import { QUEUES, type MigrationMessage, type RelationshipMessage } from "../../shared/messaging/messages.js";
import { sendMessage } from "../../shared/messaging/sender.js";
import { setRuntimeForTests } from "../../shared/pipeline/runtime.js";
import {
  aCustomer,
  anOffer,
  aPartner,
  aSubscription,
  migrationRequest,
  NOW,
  partitionRows,
  relationshipAnswer,
  relationshipRequest,
  submitMigration,
  submitRelationship,
} from "../pipeline/processors/support.js";
import { newSubscriptionId } from "../../shared/domain/index.js";
import { blankCustomerState, commit, put, putOffer, putPartner } from "../../shared/storage/index.js";
import { useDrillHost } from "./support.js";

const drill = useDrillHost(import.meta.url, {
  functions: ["processRelationshipMessage", "processMigrationMessage"],
});

beforeAll(() => {
  // The host runs the functions in this module graph: they read this clock too.
  setRuntimeForTests({ now: () => new Date(NOW) });
});

const CUSTOMERS = 4;
const PARTNER = "drill-partner";
type Message = RelationshipMessage | MigrationMessage;

interface Work {
  readonly request: Message;
  readonly waiting: Message;
  readonly answer: Message;
  readonly immediate: Message;
}

/** A customer with two subscriptions, a relationship request and two migrations, as the intake stores them. */
async function customer(world: string, index: number): Promise<Work> {
  const store = drill.store();
  const customerId = `${world}-cust-${index}`;
  await commit(store, blankCustomerState(customerId), [
    put.customer(aCustomer(customerId)),
    put.subscription(aSubscription(customerId, "sub-1")),
    put.subscription(aSubscription(customerId, "sub-2")),
  ]);
  const ids = { partnerId: PARTNER, customerId };
  const relationshipId = await submitRelationship(store, ids, { id: `${world}-rel-${index}` });
  const waiting = await submitMigration(store, ids, undefined, { id: `${world}-wait-${index}` });
  const immediate = await submitMigration(
    store,
    ids,
    [{ subscriptionId: "sub-2", cancelOriginal: "immediately" }],
    { id: `${world}-now-${index}` },
  );
  return {
    request: relationshipRequest(customerId, relationshipId),
    waiting: migrationRequest(customerId, waiting),
    answer: relationshipAnswer(customerId, relationshipId, "accept"),
    immediate: migrationRequest(customerId, immediate),
  };
}

/** A fixed shuffle (no Math.random: a failure must replay the same order). */
function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  let seed = 7;
  for (let i = out.length - 1; i > 0; i -= 1) {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const handled = () =>
  drill.invocations.count("processRelationshipMessage", "Succeeded") +
  drill.invocations.count("processMigrationMessage", "Succeeded");

/** Sends each message `copies` times (distinct message ids, so duplicate detection lets them all through). */
async function deliver(messages: readonly Message[], copies: number): Promise<void> {
  const sends = shuffled(
    messages.flatMap((message) => Array.from({ length: copies }, (_, copy) => ({ message, copy }))),
  );
  const before = handled();
  await Promise.all(
    sends.map(({ message, copy }) =>
      sendMessage(message.type === "migration-request" ? QUEUES.migrations : QUEUES.relationships, message, {
        messageId: `${message.requestId}~${copy}`,
      }),
    ),
  );
  await drill.invocations.until(() => handled() >= before + sends.length, `${sends.length} deliveries`);
}

/**
 * A partition's rows, comparable across worlds: the world's name and the replacement subscriptions'
 * ids (hashes of the migration id) replaced by names, sorted by row key.
 */
async function comparable(world: string, index: number): Promise<Record<string, unknown>[]> {
  // The outbox rows are left out: their event ids hash the world's own ids (the seeding relays nothing).
  const rows = (await partitionRows(drill.store(), `${world}-cust-${index}`)).filter(
    (row) => !String(row.rowKey).startsWith("evt|"),
  );
  let text = JSON.stringify(rows);
  for (const [migration, original] of [
    [`${world}-wait-${index}`, "sub-1"],
    [`${world}-now-${index}`, "sub-2"],
  ] as const) {
    text = text.replaceAll(newSubscriptionId(migration, original), `csp-for-${original}`);
  }
  return (JSON.parse(text.replaceAll(world, "WORLD")) as Record<string, unknown>[]).sort((a, b) =>
    String(a.rowKey).localeCompare(String(b.rowKey)),
  );
}

describe("drill: every processor message delivered three times", () => {
  it(
    "leaves every entity and history row as one delivery does, across several customers",
    { timeout: 60_000 },
    async () => {
      const store = drill.store();
      await putPartner(store, aPartner(PARTNER));
      await putOffer(store, anOffer("o365-e3"));
      const once = await Promise.all(Array.from({ length: CUSTOMERS }, (_, i) => customer("once", i)));
      const thrice = await Promise.all(Array.from({ length: CUSTOMERS }, (_, i) => customer("thrice", i)));

      // The causal order holds between phases (an answer needs its request decided), not within them.
      for (const phase of ["request", "waiting", "answer", "immediate"] as const) {
        await deliver(
          once.map((work) => work[phase]),
          1,
        );
        await deliver(
          thrice.map((work) => work[phase]),
          3,
        );
      }

      expect(drill.invocations.count("processMigrationMessage", "Failed")).toBe(0);
      expect(drill.invocations.count("processRelationshipMessage", "Failed")).toBe(0);
      for (let i = 0; i < CUSTOMERS; i += 1) {
        const expected = await comparable("once", i);
        const statuses = expected.map((row) => `${String(row.rowKey)}: ${String(row.status)}`);
        expect(statuses).toEqual(
          expect.arrayContaining([
            `mig|WORLD-wait-${i}: awaiting-term-end`,
            `mig|WORLD-now-${i}: completed`,
            `rel|WORLD-rel-${i}: active`,
            "sub|sub-1: active",
            "sub|sub-2: cancelled",
          ]),
        );
        expect(await comparable("thrice", i)).toEqual(expected);
      }
    },
  );
});
