/**
 * The local Functions host: settings, host.json, the app's registrations, then HTTP, Service Bus
 * and timer triggers, and an orderly shutdown (stop taking work, let running invocations finish
 * within a bound, close everything).
 */
import { access } from "node:fs/promises";
import path from "node:path";
import { errorMessage } from "../../shared/errors.js";
import { coreRegistry } from "./coreModule.js";
import type { HookData, HookName } from "./coreTypes.js";
import { parseHostJson, readHostJson, type HostConfig } from "./hostJson.js";
import { startHttpFrontEnd, type HttpFrontEnd } from "./http/httpServer.js";
import { RouteTable } from "./http/routeTable.js";
import { InFlight } from "./inFlight.js";
import { createInvoker } from "./invoke.js";
import { loadFunctionApp, type LoadedFunctionApp } from "./loadFunctionApp.js";
import { consoleLogger, quietLogger, type HostLogger } from "./logging.js";
import {
  resolveFunctions,
  type HttpTriggerSpec,
  type ResolvedFunction,
  type ServiceBusTriggerSpec,
  type TimerTriggerSpec,
} from "./registrations.js";
import { startServiceBusTriggers, type ServiceBusTriggers } from "./serviceBus/serviceBusTrigger.js";
import { applySettings, readLocalSettings } from "./settings.js";
import { startTimerTriggers, type TimerTriggers } from "./timers/timerTrigger.js";

export interface StartLocalHostOptions {
  /** An app already loaded with loadFunctionApp; otherwise it is loaded from rootDir. */
  readonly app?: LoadedFunctionApp;
  /** The app folder (package.json, host.json, local.settings.json). Default: the working directory. */
  readonly rootDir?: string;
  /** Replaces package.json `main` when loading, e.g. `functions/*.ts` to run sources with tsx. */
  readonly main?: string;
  /** Explicit entry modules instead of package.json `main`. */
  readonly modules?: readonly string[];
  /** HTTP port; 0 picks a free one. Default: local.settings.json Host.LocalHttpPort, else 7071. */
  readonly port?: number;
  /** Interface to listen on. Default: the `HOST` environment variable, else 127.0.0.1 (this machine only). */
  readonly hostname?: string;
  /** App settings that override the environment (for tests and tools). */
  readonly env?: Readonly<Record<string, string>>;
  /** Default: `<rootDir>/host.json` when it exists, else the host's defaults. */
  readonly hostJsonPath?: string;
  /** Default: `<rootDir>/local.settings.json`; false reads none. */
  readonly localSettingsPath?: string | false;
  /** Default "console". */
  readonly log?: HostLogger | "console" | "quiet";
  /** Larger request bodies are answered 413. Default 1 MiB. */
  readonly maxRequestBodyBytes?: number;
  /** How long close() waits for running invocations. Default 10 s. */
  readonly shutdownTimeoutMs?: number;
}

export interface FunctionSummary {
  readonly name: string;
  readonly trigger: "http" | "timer" | "serviceBus";
  /** `GET,POST /api/partners/{partnerId}`, `queue relationship-requests`, `0 0 2 * * *`. */
  readonly description: string;
}

export interface LocalHost {
  /** `http://localhost:<port>` — routes live under the route prefix (`/api`). */
  readonly url: string;
  readonly port: number;
  readonly functions: readonly FunctionSummary[];
  /** Stops taking work, lets running invocations finish (bounded), closes everything. */
  close(): Promise<void>;
}

const DEFAULT_PORT = 7071;
/** Loopback unless asked otherwise: a development host has no business answering the network. */
const DEFAULT_HOSTNAME = "127.0.0.1";
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

export async function startLocalHost(options: StartLocalHostOptions = {}): Promise<LocalHost> {
  const log = resolveLogger(options.log);
  const removeSink = coreRegistry.addSystemLogSink((level, message) => {
    log({ kind: "host", level, message });
  });
  const rootDir = path.resolve(options.app?.rootDir ?? options.rootDir ?? process.cwd());
  const cleanups: (() => Promise<void> | void)[] = [removeSink];
  const cleanUp = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };

  try {
    const localSettings =
      options.localSettingsPath === false
        ? undefined
        : await readLocalSettings(options.localSettingsPath ?? path.join(rootDir, "local.settings.json"));
    cleanups.push(applySettings(process.env, localSettings?.values ?? {}, options.env));
    const lookupSetting = (name: string): string | undefined => process.env[name];

    const hostConfig = await loadHostConfig(rootDir, options.hostJsonPath);
    const app =
      options.app ??
      (await loadFunctionApp({
        rootDir,
        ...(options.main === undefined ? {} : { main: options.main }),
        ...(options.modules === undefined ? {} : { modules: options.modules }),
      }));
    const functions = resolveFunctions(app.functions, lookupSetting);
    for (const { registration } of functions) {
      if (registration.metadata.retryOptions !== undefined) {
        log({
          kind: "host",
          level: "warning",
          message: `Function '${registration.name}': its retry policy is not applied by the local host; a failed invocation is not retried.`,
        });
      }
    }

    const files = new Set(app.files);
    const hooks = (name: HookName) => coreRegistry.hooksFor(name, files);
    const appHookData: HookData = {};
    const appLevelHookData: HookData = {};
    const invoke = createInvoker({
      programmingModel: app.programmingModel,
      hooks,
      appHookData,
      log,
    });
    for (const hook of hooks("appStart")) {
      await hook({
        hookData: appLevelHookData,
        appHookData,
        functionAppDirectory: rootDir,
      });
    }

    const inFlight = new InFlight();
    const routes = new RouteTable(hostConfig.routePrefix, only(functions, "http"));
    const http: HttpFrontEnd = await startHttpFrontEnd(
      {
        routes,
        invoke,
        inFlight,
        log,
        maxRequestBodyBytes: options.maxRequestBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      },
      options.port ?? localSettings?.localHttpPort ?? DEFAULT_PORT,
      options.hostname ?? process.env.HOST ?? DEFAULT_HOSTNAME,
    );
    cleanups.push(() => http.closeConnections());

    const serviceBus: ServiceBusTriggers = startServiceBusTriggers({
      functions: only(functions, "serviceBus"),
      settings: hostConfig.serviceBus,
      lookupSetting,
      invoke,
      inFlight,
      log,
    });
    cleanups.push(() => serviceBus.close());

    const timers: TimerTriggers = startTimerTriggers({
      functions: only(functions, "timer"),
      invoke,
      inFlight,
      onNeverFires: (name) => {
        log({ kind: "host", level: "warning", message: `Timer '${name}' has no future occurrence.` });
      },
    });
    cleanups.push(() => {
      timers.stop();
    });

    const url = `http://localhost:${http.port}`;
    const summaries = describe(functions, routes, url);
    log({ kind: "host", level: "information", message: listing(summaries) });

    let closing: Promise<void> | undefined;
    const shutdownTimeoutMs = options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
    const close = async (): Promise<void> => {
      http.stopAccepting();
      timers.stop();
      await serviceBus.stopReceiving().catch((error: unknown) => {
        log({
          kind: "host",
          level: "warning",
          message: `Stopping Service Bus receivers: ${errorMessage(error)}`,
        });
      });
      if (!(await inFlight.drain(shutdownTimeoutMs))) {
        log({
          kind: "host",
          level: "warning",
          message: `${inFlight.size} invocation(s) still running after ${shutdownTimeoutMs} ms; closing anyway.`,
        });
      }
      for (const hook of hooks("appTerminate")) {
        try {
          await hook({ hookData: appLevelHookData, appHookData });
        } catch (error) {
          log({
            kind: "host",
            level: "error",
            message: `appTerminate hook failed: ${errorMessage(error)}`,
          });
        }
      }
      await cleanUp();
    };
    return {
      url,
      port: http.port,
      functions: summaries,
      close: () => (closing ??= close()),
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

function resolveLogger(option: StartLocalHostOptions["log"]): HostLogger {
  if (option === undefined || option === "console") return consoleLogger();
  if (option === "quiet") return quietLogger;
  return option;
}

async function loadHostConfig(rootDir: string, hostJsonPath: string | undefined): Promise<HostConfig> {
  if (hostJsonPath !== undefined) return readHostJson(path.resolve(rootDir, hostJsonPath));
  const defaultPath = path.join(rootDir, "host.json");
  const exists = await access(defaultPath).then(
    () => true,
    () => false,
  );
  return exists ? readHostJson(defaultPath) : parseHostJson({ version: "2.0" }, process.env);
}

type SpecOf<K extends ResolvedFunction["spec"]["kind"]> = K extends "http"
  ? HttpTriggerSpec
  : K extends "timer"
    ? TimerTriggerSpec
    : ServiceBusTriggerSpec;

function only<K extends ResolvedFunction["spec"]["kind"]>(
  functions: readonly ResolvedFunction[],
  kind: K,
): { registration: ResolvedFunction["registration"]; spec: SpecOf<K> }[] {
  return functions
    .filter((entry) => entry.spec.kind === kind)
    .map((entry) => ({ registration: entry.registration, spec: entry.spec as SpecOf<K> }));
}

function describe(
  functions: readonly ResolvedFunction[],
  routes: RouteTable,
  url: string,
): FunctionSummary[] {
  const httpPaths = new Map(routes.describe().map((route) => [route.name, route]));
  return functions.map(({ registration, spec }): FunctionSummary => {
    switch (spec.kind) {
      case "http": {
        const route = httpPaths.get(registration.name);
        return {
          name: registration.name,
          trigger: "http",
          description: `[${spec.methods.join(",")}] ${url}${route?.path ?? ""}`,
        };
      }
      case "timer":
        return {
          name: registration.name,
          trigger: "timer",
          description: `timer ${spec.schedule.expression}${spec.runOnStartup ? " (runOnStartup)" : ""}`,
        };
      case "serviceBus":
        return {
          name: registration.name,
          trigger: "serviceBus",
          description: `queue ${spec.queueName} (${spec.connection})`,
        };
    }
  });
}

function listing(summaries: readonly FunctionSummary[]): string {
  return ["Functions:", ...summaries.map((summary) => `  ${summary.name}: ${summary.description}`)].join(
    "\n",
  );
}
