/**
 * The host's own `@azure/functions-core`: the module the real Node.js worker injects. It captures
 * what `@azure/functions` registers (functions, hooks, the programming model) and receives the
 * library's system logs. One registry per process, because the library keeps its state per
 * process too.
 */
import { z } from "zod";
import {
  HOOK_NAMES,
  functionMetadataSchema,
  programmingModelSchema,
  type FunctionCallback,
  type FunctionMetadata,
  type HookCallback,
  type HookName,
  type ProgrammingModel,
  type RpcLogCategory,
  type RpcLogLevel,
} from "./coreTypes.js";

export interface CapturedFunction {
  readonly metadata: FunctionMetadata;
  readonly callback: FunctionCallback;
  /** The entry file whose import registered it; undefined when registered outside a load. */
  readonly sourceFile: string | undefined;
}

export interface CapturedHook {
  readonly name: HookName;
  readonly callback: HookCallback;
  /** The entry file whose import registered it; undefined means it applies to every app. */
  readonly sourceFile: string | undefined;
}

export type SystemLogSink = (level: RpcLogLevel, message: string) => void;

/** What `app.setup({ enableHttpStream: true })` logs through the core module. */
const HTTP_STREAM_ENABLED_MESSAGE = "HTTP streaming enabled.";

/** Same contract as the worker's Disposable: `from(...)`, a constructor callback, `dispose()`. */
export class Disposable {
  static from(...disposables: { dispose: () => unknown }[]): Disposable {
    return new Disposable(() => {
      for (const disposable of disposables) disposable.dispose();
    });
  }

  #callOnDispose: (() => unknown) | undefined;

  constructor(callOnDispose: () => unknown) {
    this.#callOnDispose = callOnDispose;
  }

  dispose(): unknown {
    const callback = this.#callOnDispose;
    this.#callOnDispose = undefined;
    return callback?.();
  }
}

const callbackSchema = z.custom<FunctionCallback>(
  (value) => typeof value === "function",
  "must be a function",
);

export class CoreRegistry {
  readonly functions: CapturedFunction[] = [];
  readonly hooks: CapturedHook[] = [];
  programmingModel: ProgrammingModel | undefined;
  /** Set when the app asked for HTTP streaming, which this host does not serve. */
  httpStreamRequested = false;

  #loadingFile: string | undefined;
  #loadQueue: Promise<unknown> = Promise.resolve();
  readonly #sinks = new Set<SystemLogSink>();

  /** The object `require("@azure/functions-core")` returns. */
  readonly api = {
    version: "local-host",
    hostVersion: "4.0.0-local",
    registerFunction: (metadata: unknown, callback: unknown): Disposable =>
      this.#registerFunction(metadata, callback),
    registerHook: (hookName: unknown, callback: unknown): Disposable =>
      this.#registerHook(hookName, callback),
    setProgrammingModel: (model: unknown): void => {
      this.programmingModel = programmingModelSchema.parse(model);
    },
    getProgrammingModel: (): ProgrammingModel | undefined => this.programmingModel,
    log: (level: RpcLogLevel, _category: RpcLogCategory, message: string): void => {
      if (message === HTTP_STREAM_ENABLED_MESSAGE) this.httpStreamRequested = true;
      this.systemLog(level, message);
    },
    Disposable,
  };

  /**
   * Runs `load` with registrations attributed to `file`. Loads are serialised so that two apps
   * loading at once cannot take each other's registrations.
   */
  async withLoadingFile<T>(file: string, load: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      this.#loadingFile = file;
      try {
        return await load();
      } finally {
        this.#loadingFile = undefined;
      }
    };
    const result = this.#loadQueue.then(run, run);
    this.#loadQueue = result.catch(() => undefined);
    return result;
  }

  /** Receives the library's system logs while registered; returns the unregister function. */
  addSystemLogSink(sink: SystemLogSink): () => void {
    this.#sinks.add(sink);
    return () => this.#sinks.delete(sink);
  }

  systemLog(level: RpcLogLevel, message: string): void {
    if (this.#sinks.size === 0) {
      if (level === "warning" || level === "error" || level === "critical") {
        console.warn(`[functions-core] ${message}`);
      }
      return;
    }
    for (const sink of this.#sinks) sink(level, message);
  }

  hooksFor(name: HookName, files: ReadonlySet<string>): HookCallback[] {
    return this.hooks
      .filter((hook) => hook.name === name && (hook.sourceFile === undefined || files.has(hook.sourceFile)))
      .map((hook) => hook.callback);
  }

  #registerFunction(metadata: unknown, callback: unknown): Disposable {
    const captured: CapturedFunction = {
      metadata: functionMetadataSchema.parse(metadata),
      callback: callbackSchema.parse(callback),
      sourceFile: this.#loadingFile,
    };
    this.functions.push(captured);
    return new Disposable(() => {
      removeItem(this.functions, captured);
    });
  }

  #registerHook(hookName: unknown, callback: unknown): Disposable {
    const name = HOOK_NAMES.find((known) => known === hookName);
    if (name === undefined) {
      // The worker answers unknown hook names with a RangeError; the library relies on its name.
      throw new RangeError(`Unrecognized hook "${String(hookName)}"`);
    }
    const captured: CapturedHook = {
      name,
      callback: callbackSchema.parse(callback),
      sourceFile: this.#loadingFile,
    };
    this.hooks.push(captured);
    return new Disposable(() => {
      removeItem(this.hooks, captured);
    });
  }
}

function removeItem<T>(items: T[], item: T): void {
  const index = items.indexOf(item);
  if (index >= 0) items.splice(index, 1);
}

/** The process-wide registry: `@azure/functions` keeps a single core module per process. */
export const coreRegistry = new CoreRegistry();
