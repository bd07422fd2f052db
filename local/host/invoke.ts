/**
 * One invocation, run the way the Node.js worker runs it: the programming model builds the real
 * `InvocationContext` and inputs (`getArguments`), pre-invocation hooks may replace the inputs or
 * the handler, the handler runs (`invokeFunction`), post-invocation hooks see the result or
 * error, and the model converts the result (`getResponse`).
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import type {
  CoreInvocationContext,
  HookCallback,
  HookData,
  HookName,
  ProgrammingModel,
  RpcInvocationResponse,
  RpcLogCategory,
  RpcLogLevel,
  RpcTypedData,
} from "./coreTypes.js";
import type { HostLogger } from "./logging.js";
import type { FunctionRegistration } from "./registrations.js";
import { traceParentFor } from "./traceParent.js";

export interface InvocationInput {
  readonly triggerData: RpcTypedData;
  readonly triggerMetadata?: Readonly<Record<string, RpcTypedData>>;
  /** A W3C `traceparent` to continue (e.g. from an HTTP request); a new trace otherwise. */
  readonly traceParent?: string;
}

export type InvocationResult =
  | { readonly ok: true; readonly invocationId: string; readonly response: RpcInvocationResponse }
  | { readonly ok: false; readonly invocationId: string; readonly error: Error };

export type Invoke = (
  registration: FunctionRegistration,
  input: InvocationInput,
) => Promise<InvocationResult>;

export interface InvokerOptions {
  readonly programmingModel: ProgrammingModel;
  /** The hooks that apply to this app, looked up at each use (hooks can be disposed). */
  readonly hooks: (name: HookName) => readonly HookCallback[];
  /** Shared by every hook of the app (`appHookData`). */
  readonly appHookData: HookData;
  readonly log: HostLogger;
}

export function createInvoker(options: InvokerOptions): Invoke {
  return (registration, input) => runInvocation(options, registration, input);
}

/** Normalises anything thrown into an Error, once. */
export function ensureError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(typeof thrown === "string" ? thrown : JSON.stringify(thrown));
}

async function runInvocation(
  options: InvokerOptions,
  registration: FunctionRegistration,
  input: InvocationInput,
): Promise<InvocationResult> {
  const { programmingModel, hooks, appHookData, log } = options;
  const invocationId = randomUUID();
  const started = performance.now();
  const hookData: HookData = {};
  let invocationContext: unknown;

  const logFromFunction = (level: RpcLogLevel, category: RpcLogCategory, message: string): void => {
    const entry = { level, message, category, hookData, appHookData, invocationContext };
    if (category === "user") {
      for (const hook of hooks("log")) {
        try {
          void hook(entry);
        } catch {
          // As in the worker: a failing log hook must not stop the log line.
        }
      }
    }
    log({
      kind: "function",
      level: entry.level,
      category: category === "user" ? "user" : "system",
      functionName: registration.name,
      invocationId,
      message: entry.message,
    });
  };

  const coreContext: CoreInvocationContext = {
    invocationId,
    request: {
      invocationId,
      functionId: registration.name,
      inputData: [{ name: registration.triggerBindingName, data: input.triggerData }],
      triggerMetadata: { ...input.triggerMetadata },
      traceContext: { traceParent: traceParentFor(input.traceParent), traceState: "", attributes: {} },
    },
    metadata: registration.metadata,
    log: logFromFunction,
  };

  const finish = (error?: Error): void => {
    log({
      kind: "invocation",
      functionName: registration.name,
      invocationId,
      durationMs: performance.now() - started,
      outcome: error === undefined ? "Succeeded" : "Failed",
      ...(error === undefined ? {} : { error: `${error.name}: ${error.message}` }),
    });
  };

  try {
    const model = programmingModel.getInvocationModel(coreContext);
    const { context, inputs } = await model.getArguments();
    invocationContext = context;

    const pre = {
      ...hookContextData(hookData, appHookData, context),
      inputs,
      functionCallback: registration.callback,
    };
    await runHooks(coreContext, "preInvocationHooks", hooks("preInvocation"), pre);

    const post = {
      ...hookContextData(hookData, appHookData, context),
      inputs: pre.inputs,
      result: null as unknown,
      error: null as unknown,
    };
    coreContext.state = "invocation";
    try {
      post.result = await model.invokeFunction(context, pre.inputs, pre.functionCallback);
    } catch (thrown) {
      post.error = thrown;
    } finally {
      coreContext.state = undefined;
    }
    await runHooks(coreContext, "postInvocationHooks", hooks("postInvocation"), post);

    if (post.error !== null && post.error !== undefined) throw ensureError(post.error);
    const response = await model.getResponse(context, post.result);
    finish();
    return { ok: true, invocationId, response };
  } catch (thrown) {
    const error = ensureError(thrown);
    finish(error);
    return { ok: false, invocationId, error };
  }
}

/** The members the worker gives every invocation hook context. */
function hookContextData(hookData: HookData, appHookData: HookData, invocationContext: unknown) {
  return { hookData, appHookData, invocationContext };
}

async function runHooks(
  coreContext: CoreInvocationContext,
  state: "preInvocationHooks" | "postInvocationHooks",
  callbacks: readonly HookCallback[],
  context: object,
): Promise<void> {
  if (callbacks.length === 0) return;
  coreContext.state = state;
  try {
    for (const callback of callbacks) await callback(context);
  } finally {
    coreContext.state = undefined;
  }
}
