/**
 * Calling the HTTP functions as the host does — a real HttpRequest and InvocationContext — against
 * Azurite (the global setup) and the project's Service Bus emulator (started per file).
 */
import { HttpRequest, InvocationContext } from "@azure/functions";
import { ServiceBusClient, type ServiceBusReceivedMessage } from "@azure/service-bus";
import { afterAll, beforeAll } from "vitest";

import { startServiceBusEmulator, type ServiceBusEmulator } from "../../../local/servicebus/index.js";
import { signRequest } from "../../../shared/auth/signing.js";
import { resetConfigForTests } from "../../../shared/config.js";
import type { RouteFunction } from "../../../shared/http/defineRoute.js";
import { closeServiceBus } from "../../../shared/messaging/sender.js";
import { resetRuntime, runtime } from "../../../shared/pipeline/runtime.js";
import { resetTableStoreForTests, type TableStore } from "../../../shared/storage/index.js";
import { tableSettingsFor } from "../../setup/tables.js";

export { tableSnapshot } from "../../setup/tables.js";

import { asOperator, asPartner, callerSettings, type As } from "../../setup/callers.js";

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
  /** The exact text to send instead of JSON.stringify(body). */
  raw?: string;
  /** Bytes that need not be text at all. */
  rawBytes?: Buffer;
  headers?: Record<string, string>;
  /** The Idempotency-Key. */
  key?: string;
  /** Who calls; by default the operator where the route allows it, else the body's partner. */
  as?: As;
  now?: Date;
}

/** The caller a route takes by default: the operator, else the partner the body names. */
async function defaultCaller(handler: RouteFunction, body: unknown): Promise<As> {
  const { callers } = handler.spec;
  if (callers === "public" || callers.includes("operator")) return asOperator;
  const partnerId = (body as { partnerId?: unknown } | undefined)?.partnerId;
  if (callers.includes("partner") && typeof partnerId === "string")
    return asPartner(runtime().store, partnerId);
  throw new Error(`${handler.spec.name}: say who calls (as)`);
}

/** The headers that prove `as` for this request. */
export function proofHeaders(
  as: As,
  request: {
    method: string;
    pathAndQuery: string;
    idempotencyKey?: string | undefined;
    body: Buffer;
    now?: Date | undefined;
  },
): Record<string, string> {
  if (as === "nobody") return {};
  if ("token" in as) return { authorization: `Bearer ${as.token}` };
  return signRequest({ ...as.key, ...request });
}

/** Invokes a handler with a request as the host would build it, and reads the answer back. */
export async function call(
  handler: RouteFunction,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Answer> {
  const bytes =
    options.rawBytes ??
    Buffer.from(options.raw ?? (options.body === undefined ? "" : JSON.stringify(options.body)));
  const url = new URL(`http://localhost${path}`);
  for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, value);
  const as = options.as ?? (await defaultCaller(handler, options.body));
  const headers: Record<string, string> = {
    ...(bytes.length === 0 ? {} : { "content-type": "application/json" }),
    ...proofHeaders(as, {
      method,
      pathAndQuery: `${url.pathname}${url.search}`,
      idempotencyKey: options.key,
      body: bytes,
      now: options.now,
    }),
    ...(options.key === undefined ? {} : { "idempotency-key": options.key }),
    ...options.headers,
  };
  const request = new HttpRequest({
    method,
    url: url.toString(),
    headers,
    params: options.params ?? {},
    ...(bytes.length === 0 ? {} : { body: { bytes } }),
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
    // JSON answers and problems parse; another kind (CSV) is in `text` only.
    body:
      text === "" || !(responseHeaders["content-type"] ?? "json").includes("json")
        ? undefined
        : JSON.parse(text),
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
      ...callerSettings(),
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
