/**
 * The services one benchmark runs against, started for it alone: Azurite's Table service and the
 * project's Service Bus emulator. Each runs in a child process by default, so storage and broker
 * have event loops of their own, as the remote services would, and the process under test spends
 * its CPU on the product; in-process is possible for comparison.
 */
import { BENCH_CALLER_SETTINGS } from "./http.js";
import { z } from "zod";

import { startAzurite, type RunningAzurite } from "../../local/azurite.js";
import { startServiceBusEmulator, type EmulatorStats } from "../../local/servicebus/index.js";
import {
  createTableStore,
  RoundTripCounter,
  type TableStore,
  type TableStoreOptions,
} from "../../shared/storage/index.js";
import { startChild } from "./child.js";
import { startIndexedAzurite } from "./indexedAzurite.js";
import { childrenCpu } from "./processCpu.js";

export type Placement = "in-process" | "child-process";

export interface BenchServices {
  readonly azurite: RunningAzurite;
  /** The emulator's counts (operations served, messages per queue). */
  busStats(): Promise<EmulatorStats>;
  /** The app settings that point the app at these services, its tables under `prefix`. */
  appSettings(prefix: string): Record<string, string>;
  /** A store on this Azurite under `prefix`, counting on a counter of its own unless given one. */
  store(prefix: string, options?: Omit<TableStoreOptions, "connection" | "prefix">): TableStore;
  close(): Promise<void>;
}

export interface BenchServicesOptions {
  /** "indexed": a child process whose single-partition queries seek the partition (lib/indexedAzurite.ts). */
  readonly azurite?: Placement | "indexed";
  readonly emulator?: Placement;
}

interface Broker {
  readonly connectionString: string;
  stats(): Promise<EmulatorStats>;
  close(): Promise<void>;
}

// A benchmark that dies without closing leaves no Azurite behind: its own children only.
process.once("exit", () => {
  for (const child of childrenCpu()) {
    if (child.name !== "azurite") continue;
    try {
      process.kill(child.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
});

export async function startBenchServices(options: BenchServicesOptions = {}): Promise<BenchServices> {
  const azurite =
    options.azurite === "indexed"
      ? await startIndexedAzurite()
      : await startAzurite({ mode: options.azurite ?? "child-process", silent: true });
  let broker: Broker;
  try {
    broker = await startBroker(options.emulator ?? "child-process");
  } catch (error) {
    await azurite.close();
    throw error;
  }
  return {
    azurite,
    busStats: () => broker.stats(),
    appSettings: (prefix) => ({
      TABLES_CONNECTION: azurite.connectionString,
      TABLES_PREFIX: prefix,
      ServiceBusConnection: broker.connectionString,
      // The service's own path, as before orders reached Partner Center: a stack started with no
      // mode would run `live` against a local Partner Center, and buy (or fail to buy) every item.
      PARTNER_CENTER_MODE: "records",
      ...BENCH_CALLER_SETTINGS,
    }),
    store: (prefix, storeOptions = {}) =>
      createTableStore({
        connection: { kind: "connection-string", connectionString: azurite.connectionString },
        prefix,
        counter: new RoundTripCounter(),
        ...storeOptions,
      }),
    close: async () => {
      await broker.close();
      await azurite.close();
    },
  };
}

const emulatorStatsSchema = z.custom<EmulatorStats>(
  (value) => typeof value === "object" && value !== null && "totalOperations" in value,
);

async function startBroker(placement: Placement): Promise<Broker> {
  if (placement === "in-process") {
    const emulator = await startServiceBusEmulator({ port: 0 });
    return {
      connectionString: emulator.connectionString,
      stats: () => Promise.resolve(emulator.stats()),
      close: () => emulator.close(),
    };
  }
  const { child, ready } = await startChild("emulator", z.object({ connectionString: z.string() }));
  return {
    connectionString: ready.connectionString,
    stats: () => child.ask("stats", emulatorStatsSchema),
    close: () => child.close(),
  };
}
