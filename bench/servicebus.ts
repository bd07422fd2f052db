/**
 * Service Bus emulator throughput with the real SDK: send N messages in batches, then receive and
 * complete them with subscribe() at maxConcurrentCalls 16 (what host.json gives the trigger).
 *
 *   npm run bench:servicebus [-- --messages 10000 --separate-process]
 *
 * Prints `name: value` lines. By default the emulator runs in this process, as it does under the
 * local host; `--separate-process` runs it as `npm run servicebus` does, so broker and client each
 * have a core.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ServiceBusClient, type ServiceBusMessage } from "@azure/service-bus";

import { type ServiceBusEmulator, startServiceBusEmulator } from "../local/servicebus/emulator.js";

const QUEUE = "migration-requests";
const CLI = fileURLToPath(new URL("../local/servicebus/cli.ts", import.meta.url));

const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "10000" },
    "separate-process": { type: "boolean", default: false },
  },
});
const total = Number(values.messages);
if (!Number.isInteger(total) || total < 1) throw new Error("--messages must be a positive integer");

/** A message shaped like the app's: a JSON migration request of a few hundred bytes. */
function message(index: number, run: string): ServiceBusMessage {
  return {
    messageId: `${run}-${index}`,
    contentType: "application/json",
    subject: "migration.requested",
    applicationProperties: { partnerId: "partner-0001", attempt: 1, requestedAt: new Date() },
    body: {
      migrationId: `${run}-${index}`,
      partnerId: "partner-0001",
      customerId: `customer-${index % 500}`,
      items: [{ subscriptionId: `sub-${index}`, offerId: "CFQ7TTC0LH18:0001", quantity: 1 + (index % 7) }],
    },
  };
}

interface Broker {
  readonly connectionString: string;
  stats(): ServiceBusEmulator["stats"] extends () => infer S ? S | undefined : never;
  close(): Promise<void>;
}

async function startBroker(separate: boolean): Promise<Broker> {
  if (!separate) {
    const emulator = await startServiceBusEmulator({ port: 0 });
    return {
      connectionString: emulator.connectionString,
      stats: () => emulator.stats(),
      close: () => emulator.close(),
    };
  }
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", CLI, "--port", "0"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const connectionString = await new Promise<string>((resolve, reject) => {
    let output = "";
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => {
      output += chunk;
      const line = /^Endpoint=sb:\/\/.*$/m.exec(output)?.[0];
      if (line) resolve(line);
    });
    child.once("exit", (code) => {
      reject(new Error(`the emulator exited (${String(code)}) before it was ready`));
    });
  });
  return {
    connectionString,
    stats: () => undefined,
    close: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => {
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}

async function sendAll(client: ServiceBusClient, count: number, run: string): Promise<number> {
  const sender = client.createSender(QUEUE);
  let batch = await sender.createMessageBatch();
  let requests = 0;
  for (let index = 0; index < count; index++) {
    const next = message(index, run);
    if (!batch.tryAddMessage(next)) {
      await sender.sendMessages(batch);
      requests++;
      batch = await sender.createMessageBatch();
      if (!batch.tryAddMessage(next)) throw new Error("a single message does not fit in a batch");
    }
  }
  if (batch.count > 0) {
    await sender.sendMessages(batch);
    requests++;
  }
  await sender.close();
  return requests;
}

async function receiveAndCompleteAll(client: ServiceBusClient, count: number): Promise<void> {
  const receiver = client.createReceiver(QUEUE);
  let completed = 0;
  await new Promise<void>((resolve, reject) => {
    const subscription = receiver.subscribe(
      {
        processMessage: async (received) => {
          await receiver.completeMessage(received);
          completed++;
          if (completed === count) {
            void subscription.close().then(resolve, reject);
          }
        },
        processError: async ({ error }) => {
          reject(error);
          return Promise.resolve();
        },
      },
      { maxConcurrentCalls: 16, autoCompleteMessages: false },
    );
  });
  await receiver.close();
}

const broker = await startBroker(values["separate-process"]);
const client = new ServiceBusClient(broker.connectionString);
try {
  // Warm up connections, links and the JIT before timing.
  await sendAll(client, 500, "warm-up");
  await receiveAndCompleteAll(client, 500);
  const before = broker.stats();

  const run = `run-${Date.now()}`;
  const sendStart = performance.now();
  const sendRequests = await sendAll(client, total, run);
  const sendSeconds = (performance.now() - sendStart) / 1000;

  const receiveStart = performance.now();
  await receiveAndCompleteAll(client, total);
  const receiveSeconds = (performance.now() - receiveStart) / 1000;
  const after = broker.stats();

  const lines: [string, string | number][] = [
    ["emulator", values["separate-process"] ? "separate process" : "in process"],
    ["messages", total],
    ["send requests (batches)", sendRequests],
    ["send seconds", sendSeconds.toFixed(3)],
    ["sends per second", Math.round(total / sendSeconds)],
    ["receive and complete seconds", receiveSeconds.toFixed(3)],
    ["completes per second", Math.round(total / receiveSeconds)],
  ];
  if (before && after) {
    const operations = after.totalOperations - before.totalOperations;
    lines.push(
      ["service bus operations", operations],
      ["service bus operations per message", (operations / total).toFixed(2)],
      ["left in queue", after.entities[QUEUE]?.active ?? "?"],
    );
  }
  for (const [name, value] of lines) console.log(`${name}: ${value}`);
} finally {
  await client.close();
  await broker.close();
}
