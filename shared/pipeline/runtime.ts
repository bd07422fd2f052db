/**
 * What the functions need from the outside world, created once per process from the settings:
 * the table store, the queue sender, the reference cache, the callers' keys and the clock. Tests may swap pieces.
 */
import { CustomerTokenVerifier } from "../auth/customerToken.js";
import { Keyring } from "../auth/keyring.js";
import { PartnerCenterSignatureVerifier } from "../auth/partnerCenterSignature.js";
import { getConfig, type Config } from "../config.js";
import type { QUEUES, QueueMessage, SweepMessage } from "../messaging/messages.js";
import {
  sendMessage,
  sendPartnerEvents,
  sendScheduledCopy,
  sendSweepMessages,
  type OutgoingEvent,
  type ScheduledCopy,
} from "../messaging/sender.js";
import { PartnerCenterClient } from "../partnerCenter/client.js";
import { secretReaderFor } from "../partnerCenter/secrets.js";
import { getTableStore, type TableStore } from "../storage/index.js";
import { ReferenceCache } from "./referenceCache.js";
import { webhookCacheOf } from "./webhookCache.js";

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export interface Runtime {
  readonly config: Config;
  readonly store: TableStore;
  readonly reference: ReferenceCache;
  /** Operator and partner signing keys. */
  readonly keyring: Keyring;
  /** Customers' Entra ID tokens. */
  readonly tokens: CustomerTokenVerifier;
  /** Partner Center's event signatures and its API, as each partner; both absent in records mode. */
  readonly partnerCenterSignatures: PartnerCenterSignatureVerifier | undefined;
  readonly partnerCenter: PartnerCenterClient | undefined;
  readonly now: () => Date;
  /** Sends a message; `scheduledAt` holds it back until then (the bulk migrations' pacing). */
  readonly send: (queue: QueueName, message: QueueMessage, options?: { scheduledAt?: Date }) => Promise<void>;
  /** The customers a real sweep queues, one message each, in batches. */
  readonly sendSweeps: (messages: readonly SweepMessage[]) => Promise<void>;
  /** A message sent again later under an id of its own: a scheduled redelivery (queueTrigger.ts). */
  readonly sendLater: (queue: QueueName, copy: ScheduledCopy) => Promise<void>;
  /** Events out: committed events and webhook delivery attempts, on the partner-events queue. */
  readonly sendEvents: (messages: readonly OutgoingEvent[]) => Promise<void>;
}

let current: Runtime | undefined;

export function runtime(): Runtime {
  if (current === undefined) {
    const store = getTableStore();
    const config = getConfig();
    const live = config.PARTNER_CENTER_MODE === "live";
    current = {
      config,
      store,
      reference: new ReferenceCache(store),
      keyring: new Keyring(config, store),
      tokens: new CustomerTokenVerifier({
        issuers: config.TRUSTED_TOKEN_ISSUERS,
        audience: config.CUSTOMER_TOKEN_AUDIENCE,
      }),
      partnerCenterSignatures: live
        ? new PartnerCenterSignatureVerifier({
            origins: config.PARTNER_CENTER_CERTIFICATE_ORIGINS,
            subject: config.PARTNER_CENTER_CERTIFICATE_SUBJECT,
          })
        : undefined,
      partnerCenter: live ? new PartnerCenterClient(config, secretReaderFor(config)) : undefined,
      now: () => new Date(),
      send: (queue, message, options) => sendMessage(queue, message, options),
      sendSweeps: sendSweepMessages,
      sendLater: sendScheduledCopy,
      // A partner known to have no subscription: its events would reach the dispatcher only to be dropped.
      sendEvents: (messages) => sendPartnerEvents(webhookCacheOf(store).worthSending(messages)),
    };
  }
  return current;
}

/** Replaces pieces of the runtime (tests: a fixed clock, a store with injected faults). */
export function setRuntimeForTests(overrides: Partial<Runtime>): void {
  current = { ...runtime(), ...overrides };
}

/** Forgets the runtime, so the next call reads the settings again. */
export function resetRuntime(): void {
  current = undefined;
}
