/**
 * The processors behind a real broker (the project's Service Bus emulator, the unchanged SDK):
 * messages sent as the intake sends them are decided, a re-send is dropped by duplicate detection,
 * and a poison message is abandoned on each delivery until Service Bus dead-letters it. The loop
 * below settles as the Functions host does: complete on success, abandon on a throw.
 */
import { InvocationContext } from "@azure/functions";
import { ServiceBusClient, type ServiceBusReceiver } from "@azure/service-bus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  startServiceBusEmulator,
  type ServiceBusEmulator,
  loadTopology,
} from "../../../local/servicebus/index.js";
import { processRelationshipMessage } from "../../../functions/processRelationshipMessage.js";
import { resetConfigForTests } from "../../../shared/config.js";
import { QUEUES } from "../../../shared/messaging/messages.js";
import { closeServiceBus, sendMessage } from "../../../shared/messaging/sender.js";
import { runtime, setRuntimeForTests } from "../../../shared/pipeline/runtime.js";
import { getEntity } from "../../../shared/storage/index.js";
import {
  relationshipRequest,
  seedWorld,
  submitRelationship,
  usePipelineRuntime,
  type PipelineWorld,
} from "./support.js";

const MAX_DELIVERIES = 3;
let emulator: ServiceBusEmulator;
let client: ServiceBusClient;
let receiver: ServiceBusReceiver;
let world: PipelineWorld;

beforeAll(async () => {
  const topology = loadTopology();
  emulator = await startServiceBusEmulator({
    topology: {
      queues: topology.queues.map((queue) => ({
        ...queue,
        lockDuration: "PT5S",
        maxDeliveryCount: MAX_DELIVERIES,
      })),
    },
  });
  world = usePipelineRuntime(import.meta.url, { env: { ServiceBusConnection: emulator.connectionString } });
  resetConfigForTests();
  setRuntimeForTests({ send: (queue, message) => sendMessage(queue, message) });
  client = new ServiceBusClient(emulator.connectionString);
  receiver = client.createReceiver(QUEUES.relationships);
});

afterAll(async () => {
  await receiver.close();
  await client.close();
  await closeServiceBus();
  await emulator.close();
});

/** One delivery, handled and settled as the host does; what happened, or undefined when none came. */
async function hostOnce(): Promise<"completed" | "abandoned" | undefined> {
  const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1_000 });
  if (message === undefined) return undefined;
  try {
    await processRelationshipMessage(message.body, new InvocationContext({ logHandler: () => undefined }));
  } catch {
    await receiver.abandonMessage(message);
    return "abandoned";
  }
  await receiver.completeMessage(message);
  return "completed";
}

describe("processors behind the Service Bus emulator", () => {
  it("decides a message as the intake sends it, and never sees the re-send", async () => {
    const ids = await seedWorld(world.store);
    const id = await submitRelationship(world.store, ids);
    const message = relationshipRequest(ids.customerId, id);

    await runtime().send(QUEUES.relationships, message);
    await runtime().send(QUEUES.relationships, message);

    expect(await hostOnce()).toBe("completed");
    expect(await hostOnce()).toBeUndefined();
    expect((await getEntity(world.store, "relationship", ids.customerId, id))?.value.status).toBe("pending");
  });

  it("abandons a poison message on every delivery until it is dead-lettered", async () => {
    const sender = client.createSender(QUEUES.relationships);
    await sender.sendMessages({
      messageId: "poison-1",
      body: { schemaVersion: 1, type: "relationship-request" },
    });
    await sender.close();

    const outcomes: (string | undefined)[] = [];
    for (let delivery = 0; delivery < MAX_DELIVERIES + 1; delivery += 1) outcomes.push(await hostOnce());

    expect(outcomes).toEqual([...Array<string>(MAX_DELIVERIES).fill("abandoned"), undefined]);
    const deadLetters = client.createReceiver(QUEUES.relationships, { subQueueType: "deadLetter" });
    const [dead] = await deadLetters.receiveMessages(1, { maxWaitTimeInMs: 1_000 });
    expect(dead?.messageId).toBe("poison-1");
    if (dead !== undefined) await deadLetters.completeMessage(dead);
    await deadLetters.close();
  });
});
