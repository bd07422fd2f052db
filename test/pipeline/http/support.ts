/**
 * Calling the HTTP functions as the host does — a real HttpRequest and InvocationContext — against
 * Azurite (the global setup) and the project's Service Bus emulator (started per file).
 */
import { HttpRequest, InvocationContext, type HttpResponseInit } from "@azure/functions";
import { ServiceBusClient, type ServiceBusReceivedMessage } from "@azure/service-bus";
import { afterAll, beforeAll } from "vitest";

import { startServiceBusEmulator, type ServiceBusEmulator } from "../../../local/servicebus/index.js";
import { resetConfigForTests } from "../../../shared/config.js";
import { signedHeaders } from "../../../shared/http/signature.js";
import { closeServiceBus } from "../../../shared/messaging/sender.js";
import { resetRuntime, runtime } from "../../../shared/pipeline/runtime.js";
import { resetTableStoreForTests, type TableStore } from "../../../shared/storage/index.js";
import { tableSettingsFor } from "../../setup/tables.js";

export const SECRET = "a-development-secret-0001";

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  text: string;
}

export interface CallOptions {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  /** The exact bytes to send instead of JSON.stringify(body). */
  raw?: string;
  headers?: Record<string, string>;
  key?: string;
  signed?: boolean;
  now?: Date;
}

type Handler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/** Invokes a handler with a request as the host would build it, and reads the answer back. */
export async function call(
  handler: Handler,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Answer> {
  const raw = options.raw ?? (options.body === undefined ? "" : JSON.stringify(options.body));
  const url = new URL(`http://localhost${path}`);
  for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, value);
  const headers: Record<string, string> = {
    ...(raw === "" ? {} : { "content-type": "application/json" }),
    ...(options.signed === false ? {} : signedHeaders(SECRET, raw, options.now)),
    ...(options.key === undefined ? {} : { "idempotency-key": options.key }),
    ...options.headers,
  };
  const request = new HttpRequest({
    method,
    url: url.toString(),
    headers,
    params: options.params ?? {},
    ...(raw === "" ? {} : { body: { string: raw } }),
  });
  const response = await handler(
    request,
    new InvocationContext({ functionName: "test", invocationId: "test" }),
  );
  const text =
    response.jsonBody !== undefined
      ? JSON.stringify(response.jsonBody)
      : typeof response.body === "string"
        ? response.body
        : "";
  const responseHeaders = Object.fromEntries(
    Object.entries((response.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]),
  );
  return {
    status: response.status ?? 200,
    headers: responseHeaders,
    text,
    body: text === "" ? undefined : JSON.parse(text),
  };
}

export interface PipelineHttp {
  store: () => TableStore;
  emulator: () => ServiceBusEmulator;
  /** Every message now on a queue, received and completed (so the next call sees only new ones). */
  drain: (queue: string) => Promise<ServiceBusReceivedMessage[]>;
}

/** Starts an emulator for the file and points the runtime at it and at the file's tables. */
export function usePipelineHttp(fileUrl: string): PipelineHttp {
  let emulator: ServiceBusEmulator | undefined;
  let client: ServiceBusClient | undefined;
  beforeAll(async () => {
    emulator = await startServiceBusEmulator({ port: 0 });
    Object.assign(process.env, tableSettingsFor(fileUrl), {
      ServiceBusConnection: emulator.connectionString,
      WEBHOOK_SECRETS: SECRET,
    });
    resetConfigForTests();
    resetTableStoreForTests();
    resetRuntime();
    await closeServiceBus();
    client = new ServiceBusClient(emulator.connectionString);
  });
  afterAll(async () => {
    await client?.close();
    await closeServiceBus();
    await emulator?.close();
  });
  return {
    store: () => runtime().store,
    emulator: () => {
      if (emulator === undefined) throw new Error("the emulator starts in beforeAll");
      return emulator;
    },
    drain: async (queue) => {
      if (client === undefined || emulator === undefined) throw new Error("the emulator starts in beforeAll");
      const waiting = () => emulator?.stats().entities[queue]?.active ?? 0;
      if (waiting() === 0) return [];
      const receiver = client.createReceiver(queue, { receiveMode: "receiveAndDelete" });
      const all: ServiceBusReceivedMessage[] = [];
      // The emulator's own counts say how many are there, so no receive waits on an empty queue.
      while (waiting() > 0)
        all.push(...(await receiver.receiveMessages(waiting(), { maxWaitTimeInMs: 1_000 })));
      await receiver.close();
      return all;
    },
  };
}
