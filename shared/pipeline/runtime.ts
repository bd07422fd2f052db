/**
 * What the functions need from the outside world, created once per process from the settings:
 * the table store, the queue sender, the reference cache and the clock. Tests may swap pieces.
 */
import { getConfig, type Config } from "../config.js";
import type { MigrationMessage, QUEUES, RelationshipMessage } from "../messaging/messages.js";
import { sendMessage } from "../messaging/sender.js";
import { getTableStore, type TableStore } from "../storage/index.js";
import { ReferenceCache } from "./referenceCache.js";

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export interface Runtime {
  readonly config: Config;
  readonly store: TableStore;
  readonly reference: ReferenceCache;
  readonly now: () => Date;
  readonly send: (queue: QueueName, message: RelationshipMessage | MigrationMessage) => Promise<void>;
}

let current: Runtime | undefined;

export function runtime(): Runtime {
  if (current === undefined) {
    const store = getTableStore();
    current = {
      config: getConfig(),
      store,
      reference: new ReferenceCache(store),
      now: () => new Date(),
      send: (queue, message) => sendMessage(queue, message),
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
