/**
 * The fault drills' stage: the local Functions host running the app's real registrations (from its
 * sources, in this test's module graph, so the test can swap the runtime's clock or store), the
 * project's Service Bus emulator, and Azurite (the run's, or one of the drill's own). No mocks.
 */
import path from "node:path";

import { afterAll, beforeAll } from "vitest";

import type { HostLogEntry, LocalHost } from "../../local/host/index.js";
import { startLocalHost } from "../../local/host/index.js";
import {
  startServiceBusEmulator,
  loadTopology,
  type ServiceBusEmulator,
} from "../../local/servicebus/index.js";
import { signRequest } from "../../shared/auth/signing.js";
import { resetConfigForTests } from "../../shared/config.js";
import { closeServiceBus } from "../../shared/messaging/sender.js";
import { resetRuntime, runtime } from "../../shared/pipeline/runtime.js";
import { resetTableStoreForTests, type TableStore } from "../../shared/storage/index.js";
import { callerSettings, type KeyCredentials } from "../setup/callers.js";
import { tablesConnection, tablesPrefixFor } from "../setup/tables.js";
const ROOT = path.resolve(import.meta.dirname, "../..");

export interface DrillHostOptions {
  /** Function files under functions/ to load (without .ts); default the whole app. */
  readonly functions?: readonly string[];
  /** Table Storage to use; default the run's Azurite (vitest global setup). */
  readonly tablesConnection?: () => string;
  /** Queue overrides for the emulator (e.g. a shorter lock duration). */
  readonly queues?: { readonly lockDuration?: string; readonly maxDeliveryCount?: number };
  /** Suffix for the file's table prefix, for drills that need tables of their own. */
  readonly tables?: string;
  /** More app settings for the host. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface DrillHost {
  readonly host: () => LocalHost;
  readonly emulator: () => ServiceBusEmulator;
  /** `http://localhost:<port>/api/` */
  readonly baseUrl: () => string;
  /** The app's store (runtime().store): what the functions read and write. */
  readonly store: () => TableStore;
  readonly invocations: Invocations;
  /** Closes the host (running invocations finish or fail, within its bound) and starts a new one on the same queues and tables. */
  readonly restart: () => Promise<void>;
}

/** Starts the emulator and the host for the test file; stops both after it. */
export function useDrillHost(fileUrl: string, options: DrillHostOptions = {}): DrillHost {
  let emulator: ServiceBusEmulator | undefined;
  let host: LocalHost | undefined;
  const invocations = new Invocations();
  let startHost: (() => Promise<LocalHost>) | undefined;
  beforeAll(async () => {
    const topology = loadTopology();
    emulator = await startServiceBusEmulator({
      topology: { queues: topology.queues.map((queue) => ({ ...queue, ...options.queues })) },
    });
    const env = {
      TABLES_CONNECTION: (options.tablesConnection ?? tablesConnection)(),
      TABLES_PREFIX: `${tablesPrefixFor(fileUrl)}${options.tables ?? ""}`,
      ServiceBusConnection: emulator.connectionString,
      // The operator's key, the partner-key master and the run's identity provider (test/setup/callers.ts).
      ...callerSettings(),
      ...options.env,
    };
    startHost = () =>
      startLocalHost({
        rootDir: ROOT,
        ...(options.functions === undefined
          ? { main: "functions/*.ts" }
          : { modules: options.functions.map((name) => `functions/${name}.ts`) }),
        port: 0,
        hostname: "127.0.0.1",
        env,
        localSettingsPath: false,
        log: (entry) => {
          invocations.record(entry);
        },
      });
    host = await startHost();
    resetConfigForTests();
    resetTableStoreForTests();
    resetRuntime();
  });
  afterAll(async () => {
    await host?.close();
    await closeServiceBus();
    await emulator?.close();
    resetRuntime();
  });
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} starts in beforeAll`);
    return value;
  };
  return {
    host: () => need(host, "the host"),
    emulator: () => need(emulator, "the emulator"),
    baseUrl: () => `${need(host, "the host").url.replace("localhost", "127.0.0.1")}/api/`,
    store: () => runtime().store,
    invocations,
    restart: async () => {
      await need(host, "the host").close();
      host = await need(startHost, "the host")();
    },
  };
}

type InvocationEntry = Extract<HostLogEntry, { kind: "invocation" }>;

/** The host's finished invocations, and a way to wait for a number of them. */
export class Invocations {
  readonly finished: InvocationEntry[] = [];
  readonly lines: string[] = [];
  private waiters: { done: () => boolean; resolve: () => void }[] = [];

  record(entry: HostLogEntry): void {
    if (entry.kind === "invocation") this.finished.push(entry);
    else this.lines.push(entry.message);
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.done()) return true;
      waiter.resolve();
      return false;
    });
  }

  count(functionName: string, outcome?: InvocationEntry["outcome"]): number {
    return this.finished.filter(
      (entry) => entry.functionName === functionName && (outcome === undefined || entry.outcome === outcome),
    ).length;
  }

  /** Resolves once `done` holds; rejects after `timeoutMs` saying what was seen. */
  until(done: () => boolean, what: string, timeoutMs = 25_000): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`Timed out waiting for ${what}; ${this.finished.length} invocations finished`));
      }, timeoutMs);
      this.waiters.push({
        done,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}

export interface SignedRequest {
  readonly method: "GET" | "PUT" | "POST";
  /** Relative to the base URL, e.g. `migrations`. */
  readonly path: string;
  /** JSON, sent as given. */
  readonly body?: unknown;
  readonly idempotencyKey?: string;
  /** When the caller signs (its clock); default now. */
  readonly signedAt?: Date;
  readonly signal?: AbortSignal;
}

/** A request as a portal sends it: signed under the caller's key (operator or partner), over real HTTP. */
export function signedFetch(baseUrl: string, key: KeyCredentials, request: SignedRequest): Promise<Response> {
  const url = new URL(request.path, baseUrl);
  const raw = request.body === undefined ? "" : JSON.stringify(request.body);
  return fetch(url, {
    method: request.method,
    headers: {
      ...(raw === "" ? {} : { "content-type": "application/json" }),
      ...signRequest({
        ...key,
        method: request.method,
        pathAndQuery: `${url.pathname}${url.search}`,
        idempotencyKey: request.idempotencyKey,
        body: raw,
        now: request.signedAt,
      }),
    },
    ...(raw === "" ? {} : { body: raw }),
    ...(request.signal === undefined ? {} : { signal: request.signal }),
  });
}
