/**
 * The whole service on one machine: Azurite (Table service), the project's Service Bus emulator, the
 * development identity provider for customers' tokens, the local Partner Center (`live` mode points at
 * it unless told otherwise) and the local Functions host on the app, wired
 * together with the settings the app reads. What `npm start`, `npm run demo` and the end-to-end
 * tests run.
 */
import path from "node:path";

import { startAzurite, type RunningAzurite } from "./azurite.js";
import { entryOverride, localStateDir, projectRoot } from "./appLocation.js";
import { loadOrCreateDevKeys } from "./devKeys.js";
import { readHostJson } from "./host/hostJson.js";
import {
  startLocalHost,
  type FunctionSummary,
  type HostLogger,
  type LocalHost,
  type StartLocalHostOptions,
} from "./host/index.js";
import { consoleLogger } from "./host/logging.js";
import { readLocalSettings } from "./host/settings.js";
import {
  DEV_IDENTITY_PROVIDER_PORT,
  DEV_TOKEN_AUDIENCE,
  startDevIdentityProvider,
  type DevIdentityProvider,
} from "./identity/index.js";
import {
  loadTopology,
  startServiceBusEmulator,
  type EmulatorStats,
  type ServiceBusEmulator,
} from "./servicebus/index.js";
import {
  LOCAL_PARTNER_CENTER_PORT,
  startLocalPartnerCenter,
  writePartnerCenterState,
  type LocalPartnerCenterState,
} from "./partner-center/index.js";
import { planStack, wireSettings, type SettingsSource } from "./stackSettings.js";

export interface LocalStackOptions {
  /** The host's HTTP port; 0 picks a free one. Default 7071, as `func start`. */
  readonly port?: number;
  /** Keep Azurite's tables under `<root>/.azurite/` across runs; default in memory. */
  readonly persist?: boolean;
  /** Only failures and errors are logged. */
  readonly quiet?: boolean;
  /** Where the settings come from; default process.env (local.settings.json fills in what is unset). */
  readonly env?: SettingsSource;
  /** The app folder; default the project this module belongs to. */
  readonly rootDir?: string;
  /** Entry files (glob); default package.json `main`, or the TypeScript sources when running from them. */
  readonly main?: string;
  /** false: read no local.settings.json. */
  readonly localSettingsPath?: string | false;
  /** Receives the host's log entries; overrides `quiet`. */
  readonly log?: HostLogger;
  /** Where the development keys and the identity provider's key live; default `<root>/.local`. */
  readonly stateDir?: string;
  /** Starts the Functions host; default in this process (a test may run it as a process of its own, to kill it). */
  readonly startHost?: (options: StartLocalHostOptions) => Promise<LocalHost>;
  /** Overrides for every queue of the emulator it starts (e.g. a shorter lock, so a killed host's message comes back soon). */
  readonly queues?: { readonly lockDuration?: string; readonly maxDeliveryCount?: number };
}

export type LocalService =
  | { readonly kind: "started"; readonly connectionString: string; readonly port: number }
  | { readonly kind: "external" };

export interface LocalStack {
  /** `http://localhost:7071/api/`: every route is relative to it. */
  readonly baseUrl: string;
  readonly port: number;
  /** The first of OPERATOR_KEYS: what the operator's requests are signed with. */
  readonly operatorKey: { readonly id: string; readonly secret: string };
  /** Whether that is the stack's own development key (OPERATOR_KEYS unset). */
  readonly ownOperatorKey: boolean;
  /** The development identity provider customers' tokens come from. */
  readonly identity: { readonly url: string; readonly stateDir: string; readonly audience: string };
  readonly tables: LocalService & { readonly persistedAt?: string };
  /** Started: with the emulator's counts, so a caller can tell when every queue has been worked off. */
  readonly serviceBus:
    (Extract<LocalService, { kind: "started" }> & { stats(): EmulatorStats }) | { readonly kind: "external" };
  /** The local Partner Center `live` mode points at; undefined when told otherwise (PARTNER_CENTER_MODE or _ENDPOINT set). */
  readonly partnerCenter: LocalPartnerCenterState | undefined;
  readonly functions: readonly FunctionSummary[];
  /** Stops the host, then the emulator, then Azurite; resolves once every port is closed. */
  close(): Promise<void>;
}

const DEFAULT_PORT = 7071;
export const PERSIST_FOLDER = ".azurite";

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const rootDir = path.resolve(options.rootDir ?? projectRoot(import.meta.url));
  const localSettingsPath =
    options.localSettingsPath === false
      ? false
      : (options.localSettingsPath ?? path.join(rootDir, "local.settings.json"));
  const localSettings = localSettingsPath === false ? undefined : await readLocalSettings(localSettingsPath);
  // As `func start`: the environment wins over local.settings.json.
  const source = { ...localSettings?.values, ...(options.env ?? process.env) };
  const stateDir =
    options.stateDir ?? (options.rootDir === undefined ? localStateDir() : path.join(rootDir, ".local"));
  const devKeys = await loadOrCreateDevKeys(stateDir);
  const { routePrefix } = await readHostJson(path.join(rootDir, "host.json"), source);
  const log = options.log ?? (options.quiet === true ? failuresOnly() : consoleLogger());

  const stops: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    const errors: unknown[] = [];
    for (const stop of stops.reverse()) {
      await stop().catch((error: unknown) => errors.push(error));
    }
    stops.length = 0;
    if (errors.length > 0) throw new AggregateError(errors, "The local stack did not stop cleanly");
  };

  try {
    const identity: DevIdentityProvider = await startDevIdentityProvider({
      port: options.port === 0 ? 0 : DEV_IDENTITY_PROVIDER_PORT,
      stateDir,
    });
    stops.push(() => identity.close());
    const plan = planStack(source, devKeys, {
      issuerTemplate: identity.issuerTemplate,
      audience: DEV_TOKEN_AUDIENCE,
    });
    const persistedAt = options.persist === true ? path.join(rootDir, PERSIST_FOLDER) : undefined;
    let azurite: RunningAzurite | undefined;
    if (plan.startTables) {
      const started = await startAzurite({
        inMemory: persistedAt === undefined ? true : { location: persistedAt },
        silent: true,
      });
      stops.push(() => started.close());
      azurite = started;
    }
    let emulator: ServiceBusEmulator | undefined;
    if (plan.startServiceBus) {
      const topology = loadTopology(path.join(rootDir, "infra", "servicebus-topology.json"));
      const started = await startServiceBusEmulator({
        topology: { queues: topology.queues.map((queue) => ({ ...queue, ...options.queues })) },
        log: (line) => {
          if (options.quiet !== true) process.stderr.write(`[servicebus] ${line}\n`);
        },
      });
      stops.push(() => started.close());
      emulator = started;
    }
    let partnerCenter: LocalPartnerCenterState | undefined;
    if (plan.startPartnerCenter) {
      const started = await startLocalPartnerCenter({
        port: options.port === 0 ? 0 : LOCAL_PARTNER_CENTER_PORT,
      });
      stops.push(() => started.close());
      partnerCenter = {
        url: started.url,
        subject: started.subject,
        secretsFile: path.join(stateDir, "partner-center-secrets.json"),
      };
      // So `npm run demo` against this stack finds it.
      stops.push(await writePartnerCenterState(stateDir, partnerCenter));
    }
    const settings = wireSettings(plan, {
      ...(azurite === undefined ? {} : { tablesConnection: azurite.connectionString }),
      ...(emulator === undefined ? {} : { serviceBusConnection: emulator.connectionString }),
      ...(partnerCenter === undefined ? {} : { partnerCenter }),
    });
    const main = options.main ?? entryOverride(import.meta.url);
    const host: LocalHost = await (options.startHost ?? startLocalHost)({
      rootDir,
      ...(main === undefined ? {} : { main }),
      port: options.port ?? DEFAULT_PORT,
      env: settings,
      localSettingsPath,
      log,
    });
    stops.push(() => host.close());

    let closing: Promise<void> | undefined;
    const bus = emulator;
    return {
      baseUrl: `${host.url}/${routePrefix === "" ? "" : `${routePrefix}/`}`,
      port: host.port,
      operatorKey: plan.operatorKey,
      ownOperatorKey: plan.ownOperatorKey,
      identity: {
        url: identity.url,
        stateDir,
        audience: settings.CUSTOMER_TOKEN_AUDIENCE ?? DEV_TOKEN_AUDIENCE,
      },
      tables:
        azurite === undefined
          ? { kind: "external" }
          : {
              kind: "started",
              connectionString: azurite.connectionString,
              port: azurite.port,
              ...(persistedAt === undefined ? {} : { persistedAt }),
            },
      serviceBus:
        bus === undefined
          ? { kind: "external" }
          : {
              kind: "started",
              connectionString: bus.connectionString,
              port: bus.port,
              stats: () => bus.stats(),
            },
      partnerCenter,
      functions: host.functions,
      close: () => (closing ??= stopAll()),
    };
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
}

/** Failed invocations and error-level messages only, to stderr. */
function failuresOnly(): HostLogger {
  const write = consoleLogger({ minLevel: "error" });
  return (entry) => {
    if (entry.kind === "invocation" && entry.outcome === "Succeeded") return;
    write(entry);
  };
}
