/**
 * Service Bus queue triggers: one peek-lock `ServiceBusReceiver` (the real `@azure/service-bus`
 * SDK) per function, `subscribe()`d with host.json `maxConcurrentCalls`, locks renewed up to
 * `maxAutoLockRenewalDuration`. The SDK never settles on its own (`autoCompleteMessages: false`
 * at the SDK level); the host settles as the real one does: complete when the function
 * succeeds, abandon when it throws (so the queue's max delivery count dead-letters poison). With
 * `autoCompleteMessages: false` (host.json or the trigger) the host settles nothing.
 */
import type {
  ProcessErrorArgs,
  ServiceBusClient,
  ServiceBusReceivedMessage,
  ServiceBusReceiver,
} from "@azure/service-bus";
import { errorMessage } from "../../../shared/errors.js";
import type { HostConfig } from "../hostJson.js";
import type { InFlight } from "../inFlight.js";
import type { Invoke } from "../invoke.js";
import type { HostLogger } from "../logging.js";
import type { FunctionRegistration, ServiceBusTriggerSpec } from "../registrations.js";
import { createServiceBusClient } from "./connection.js";
import { toMessageInput } from "./messageInput.js";

export interface ServiceBusTriggersOptions {
  readonly functions: readonly { registration: FunctionRegistration; spec: ServiceBusTriggerSpec }[];
  readonly settings: HostConfig["serviceBus"];
  readonly lookupSetting: (name: string) => string | undefined;
  readonly invoke: Invoke;
  readonly inFlight: InFlight;
  readonly log: HostLogger;
}

export interface ServiceBusTriggers {
  /** Stops taking new messages; messages being processed still finish and settle. */
  stopReceiving(): Promise<void>;
  /** Closes receivers and clients (after in-flight invocations finished or the wait ran out). */
  close(): Promise<void>;
}

interface Listener {
  readonly receiver: ServiceBusReceiver;
  readonly subscription: { close(): Promise<void> };
}

/** Creates every client first, so a missing connection fails start-up before anything listens. */
export function startServiceBusTriggers(options: ServiceBusTriggersOptions): ServiceBusTriggers {
  const clients = new Map<string, ServiceBusClient>();
  for (const { spec } of options.functions) {
    if (!clients.has(spec.connection)) {
      clients.set(
        spec.connection,
        createServiceBusClient(spec.connection, options.lookupSetting, options.settings.clientRetryOptions),
      );
    }
  }
  if (options.functions.length > 0 && options.settings.prefetchCount > 0) {
    options.log({
      kind: "host",
      level: "information",
      message: `host.json serviceBus.prefetchCount (${options.settings.prefetchCount}) has no effect locally: the JavaScript SDK asks for at most maxConcurrentCalls messages at a time.`,
    });
  }
  let stopping = false;
  const listeners: Listener[] = options.functions.map(({ registration, spec }) => {
    const client = clients.get(spec.connection);
    if (client === undefined) throw new Error(`no client for ${spec.connection}`);
    return listen(client, registration, spec, options, () => stopping);
  });

  return {
    stopReceiving: async () => {
      stopping = true;
      await Promise.all(listeners.map((listener) => listener.subscription.close()));
    },
    close: async () => {
      stopping = true;
      await Promise.allSettled(listeners.map((listener) => listener.receiver.close()));
      await Promise.allSettled([...clients.values()].map((client) => client.close()));
    },
  };
}

function listen(
  client: ServiceBusClient,
  registration: FunctionRegistration,
  spec: ServiceBusTriggerSpec,
  options: ServiceBusTriggersOptions,
  isStopping: () => boolean,
): Listener {
  const { settings, log } = options;
  const autoComplete = spec.autoCompleteMessages ?? settings.autoCompleteMessages;
  if (!autoComplete) {
    log({
      kind: "host",
      level: "warning",
      message: `Function '${registration.name}': autoCompleteMessages is false, so the host neither completes nor abandons its messages; a message left unsettled is delivered again when its lock expires.`,
    });
  }
  const receiver = client.createReceiver(spec.queueName, {
    receiveMode: "peekLock",
    maxAutoLockRenewalDurationInMs: settings.maxAutoLockRenewalDurationMs,
    // The host hands the function the body text and parses nothing itself.
    skipParsingBodyAsJson: true,
    skipConvertingDate: true,
  });

  const settle = async (
    message: ServiceBusReceivedMessage,
    action: "complete" | "abandon",
  ): Promise<void> => {
    try {
      if (action === "complete") await receiver.completeMessage(message);
      else await receiver.abandonMessage(message);
    } catch (error) {
      log({
        kind: "host",
        level: "warning",
        message: `Function '${registration.name}': could not ${action} message ${String(message.messageId)}: ${errorMessage(error)}`,
      });
    }
  };

  const processMessage = async (message: ServiceBusReceivedMessage): Promise<void> => {
    if (isStopping()) {
      // Arrived while shutting down: hand it back untouched by the function.
      await settle(message, "abandon");
      return;
    }
    await options.inFlight.run(async () => {
      const result = await options.invoke(registration, toMessageInput(message));
      if (autoComplete) await settle(message, result.ok ? "complete" : "abandon");
    });
  };

  const processError = (args: ProcessErrorArgs): Promise<void> => {
    if (!isStopping()) {
      log({
        kind: "host",
        level: "warning",
        message: `Service Bus receiver for '${registration.name}' (${args.entityPath}, ${args.errorSource}): ${args.error.message}`,
      });
    }
    return Promise.resolve();
  };

  const subscription = receiver.subscribe(
    { processMessage, processError },
    { autoCompleteMessages: false, maxConcurrentCalls: settings.maxConcurrentCalls },
  );
  return { receiver, subscription };
}
