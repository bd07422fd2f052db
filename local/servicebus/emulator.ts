/**
 * Starts the Service Bus emulator: an AMQP 1.0 broker on loopback that the unchanged
 * `@azure/service-bus` SDK talks to with a `UseDevelopmentEmulator=true` connection string.
 */
import type { AddressInfo, Socket } from "node:net";
import { randomUUID } from "node:crypto";
import { z } from "zod";

import { coalesceWrites } from "./coalesced-writes.js";
import { EntityStore } from "./entity-store.js";
import { LinkHandler } from "./links.js";
import { createServerContainer } from "./rhea-adapter.js";
import { EMULATOR_KEY, EMULATOR_KEY_NAME } from "./sas.js";
import { type EmulatorStats, newOperationCounts, totalOperations } from "./stats.js";
import { Timers } from "./timers.js";
import { type Topology, loadTopology, parseTopology } from "./topology.js";

export interface ServiceBusEmulatorOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** A loopback IPv4 address; default 127.0.0.1. */
  readonly host?: string;
  /** The topology, or the path of its JSON file; default the project's `infra/servicebus-topology.json`. */
  readonly topology?: Topology | string;
  /** Default: the official emulator's well-known `RootManageSharedAccessKey`. */
  readonly keyName?: string;
  /** Default: the official emulator's well-known `SAS_KEY_VALUE`. */
  readonly key?: string;
  /** Receives one line per notable event (refused links and tokens, connection errors). */
  readonly log?: (line: string) => void;
}

export interface ServiceBusEmulator {
  /** `Endpoint=sb://<host>:<port>;SharedAccessKeyName=…;SharedAccessKey=…;UseDevelopmentEmulator=true;` */
  readonly connectionString: string;
  readonly host: string;
  readonly port: number;
  /** Closes every connection and the listener; resolves once the port is free. */
  close(): Promise<void>;
  stats(): EmulatorStats;
}

const optionsSchema = z.object({
  port: z.int().min(0).max(65535).default(0),
  host: z
    .string()
    .regex(
      /^127(?:\.\d{1,3}){3}$/,
      "must be a loopback IPv4 address (127.x.x.x): the emulator serves this machine only",
    )
    .default("127.0.0.1"),
  topology: z.unknown().optional(),
  keyName: z.string().min(1).default(EMULATOR_KEY_NAME),
  key: z.string().min(1).default(EMULATOR_KEY),
  log: z.custom<(line: string) => void>((value) => typeof value === "function").optional(),
});

/** Connections still open this long after close() asked them to end are cut. */
const CLOSE_GRACE_MS = 200;

export async function startServiceBusEmulator(
  options: ServiceBusEmulatorOptions = {},
): Promise<ServiceBusEmulator> {
  const settings = optionsSchema.parse(options);
  const topology =
    settings.topology === undefined || typeof settings.topology === "string"
      ? loadTopology(settings.topology)
      : parseTopology(settings.topology, "startServiceBusEmulator options");
  const log = settings.log ?? (() => undefined);
  const timers = new Timers();
  const operations = newOperationCounts();
  const now = (): number => Date.now();
  const store = new EntityStore(topology, { now, timers, operations });
  const links = new LinkHandler({
    hostname: settings.host,
    store,
    credential: { keyName: settings.keyName, key: settings.key },
    operations,
    now,
    log,
  });
  const container = createServerContainer(`servicebus-emulator-${randomUUID()}`);
  links.register(container);

  const server = container.listen({
    host: settings.host,
    port: settings.port,
    // Settlements are answered by the broker itself, once it has applied them.
    autoaccept: false,
    treat_modified_as_released: false,
  });
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    coalesceWrites(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  const connectionString =
    `Endpoint=sb://${settings.host}:${port};SharedAccessKeyName=${settings.keyName};` +
    `SharedAccessKey=${settings.key};UseDevelopmentEmulator=true;`;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
      links.closeAll({ condition: "amqp:connection:forced", description: "The emulator is shutting down." });
      timers.cancelAll();
      const cut = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, CLOSE_GRACE_MS);
      cut.unref();
    });
    return closing;
  };

  return {
    connectionString,
    host: settings.host,
    port,
    close,
    stats: () => ({
      entities: store.counts(),
      operations: structuredClone(operations),
      totalOperations: totalOperations(operations),
    }),
  };
}
