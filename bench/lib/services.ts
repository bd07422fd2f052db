/**
 * The services one benchmark runs against, started for it alone: Azurite's Table service (a child
 * process by default, so storage has its own event loop and core, as remote storage would) and the
 * project's Service Bus emulator (in this process, whose stats() the benchmark reads).
 */
import { startAzurite, type RunningAzurite } from "../../local/azurite.js";
import { startServiceBusEmulator, type ServiceBusEmulator } from "../../local/servicebus/index.js";
import {
  createTableStore,
  RoundTripCounter,
  type TableStore,
  type TableStoreOptions,
} from "../../shared/storage/index.js";

export interface BenchServices {
  readonly azurite: RunningAzurite;
  readonly emulator: ServiceBusEmulator;
  /** A store on this Azurite under `prefix`, counting on its own counter unless given one. */
  store(prefix: string, options?: Omit<TableStoreOptions, "connection" | "prefix">): TableStore;
  close(): Promise<void>;
}

export interface BenchServicesOptions {
  readonly azuriteMode?: "in-process" | "child-process";
}

export async function startBenchServices(options: BenchServicesOptions = {}): Promise<BenchServices> {
  const azurite = await startAzurite({ mode: options.azuriteMode ?? "child-process", silent: true });
  let emulator: ServiceBusEmulator;
  try {
    emulator = await startServiceBusEmulator({ port: 0 });
  } catch (error) {
    await azurite.close();
    throw error;
  }
  return {
    azurite,
    emulator,
    store: (prefix, storeOptions = {}) =>
      createTableStore({
        connection: { kind: "connection-string", connectionString: azurite.connectionString },
        prefix,
        counter: new RoundTripCounter(),
        ...storeOptions,
      }),
    close: async () => {
      await emulator.close();
      await azurite.close();
    },
  };
}
