/**
 * The `@azure/functions` that the deployment bundle's own modules import (local/bundle.ts resolves
 * them here): the library as it is, except that `app.http`, `app.serviceBusQueue` and `app.timer`
 * record a registration instead of making it. The bundle's entry registers every function at start
 * from the options recorded at build time, each with a handler that imports its function's module
 * on the first invocation and then calls the handler that module recorded: a cold start reads the
 * library and the app-wide setup (functions/index.ts), not the code of forty functions.
 * Written by hand: no bundler or Functions package defers the module behind a v4 registration.
 */
import * as functions from "@azure/functions";
import type {
  HttpFunctionOptions,
  InvocationContext,
  ServiceBusQueueFunctionOptions,
  TimerFunctionOptions,
} from "@azure/functions";

export * from "@azure/functions";

export type RegistrationKind = "http" | "serviceBusQueue" | "timer";

/** A registration as the bundle's entry makes it: what the function's file asked for, minus its handler. */
export interface RecordedRegistration {
  readonly kind: RegistrationKind;
  readonly name: string;
  /** Options as JSON (e.g. route, methods, queueName, schedule). */
  readonly options: Readonly<Record<string, unknown>>;
}

type Handler = (trigger: never, context: InvocationContext) => unknown;

const recorded = new Map<
  string,
  { readonly registration: RecordedRegistration; readonly handler: Handler }
>();

function record(kind: RegistrationKind, name: string, { handler, ...options }: { handler: Handler }): void {
  if (recorded.has(name)) throw new Error(`Function '${name}' is registered twice`);
  // Whatever the entry repeats must survive JSON: a function among the options would be lost.
  JSON.stringify(options, (key, value: unknown) => {
    if (typeof value === "function") throw new Error(`Function '${name}': option '${key}' is a function`);
    return value;
  });
  recorded.set(name, { registration: { kind, name, options }, handler });
}

export const app: typeof functions.app = {
  ...functions.app,
  http(name: string, options: HttpFunctionOptions) {
    record("http", name, options);
  },
  serviceBusQueue<T>(name: string, options: ServiceBusQueueFunctionOptions<T>) {
    record("serviceBusQueue", name, options);
  },
  timer(name: string, options: TimerFunctionOptions) {
    record("timer", name, options);
  },
};

/** What the modules imported so far have registered, in order (the build's record of the app). */
export function recordedRegistrations(): RecordedRegistration[] {
  return [...recorded.values()].map(({ registration }) => registration);
}

/**
 * Registers each function with the Functions host, its handler importing the function's module on
 * first use. A failed import is not remembered: the next invocation tries again.
 */
export function registerLazily(
  registrations: readonly (RecordedRegistration & { readonly file: string })[],
  loaders: Readonly<Record<string, () => Promise<unknown>>>,
): void {
  for (const { kind, name, file, options } of registrations) {
    const load = loaders[file];
    if (load === undefined) throw new Error(`Function '${name}': the bundle has no module ${file}`);
    let loading: Promise<Handler> | undefined;
    const handlerOf = (): Promise<Handler> =>
      (loading ??= load().then(
        () => {
          const loaded = recorded.get(name);
          if (loaded === undefined) throw new Error(`Function '${name}': ${file} did not register it`);
          return loaded.handler;
        },
        (error: unknown) => {
          loading = undefined;
          throw error;
        },
      ));
    const handler = async (trigger: never, context: InvocationContext): Promise<unknown> =>
      (await handlerOf())(trigger, context);
    // The options are the file's own, recorded by record() above; only the handler is new.
    functions.app[kind](name, { ...options, handler } as never);
  }
}
