/**
 * The part of the `@azure/functions-core` contract (the module the real Node.js worker injects)
 * that `@azure/functions` v4 uses. The real types ship only inside the worker, so the host
 * declares what it exchanges with the library here, and validates what the library hands over.
 */
import { z } from "zod";

export type RpcLogLevel = "trace" | "debug" | "information" | "warning" | "error" | "critical" | "none";

export type RpcLogCategory = "user" | "system" | "customMetric";

/** One binding as the library registers it: `type`, `direction`, `name` plus the trigger's options. */
export const bindingInfoSchema = z
  .object({
    type: z.string().min(1),
    direction: z.enum(["in", "out", "inout"]),
  })
  .catchall(z.unknown());

export type RpcBindingInfo = z.infer<typeof bindingInfoSchema>;

export const functionMetadataSchema = z.object({
  name: z.string().min(1),
  bindings: z.record(z.string(), bindingInfoSchema),
  retryOptions: z.unknown().optional(),
});

export type FunctionMetadata = z.infer<typeof functionMetadataSchema>;

export type FunctionCallback = (...args: unknown[]) => unknown;

export interface RpcNullableString {
  value?: string | null;
}

export interface RpcTimestamp {
  seconds?: number | null;
  nanos?: number | null;
}

export interface RpcHttpCookie {
  name?: string | null;
  value?: string | null;
  domain?: RpcNullableString | null;
  path?: RpcNullableString | null;
  expires?: { value?: RpcTimestamp | null } | null;
  secure?: { value?: boolean | null } | null;
  httpOnly?: { value?: boolean | null } | null;
  sameSite?: "none" | "lax" | "strict" | "explicitNone" | null;
  maxAge?: { value?: number | null } | null;
}

export interface RpcHttpData {
  method?: string | null;
  url?: string | null;
  headers?: Record<string, string> | null;
  body?: RpcTypedData | null;
  params?: Record<string, string> | null;
  statusCode?: string | null;
  cookies?: RpcHttpCookie[] | null;
}

export interface RpcTypedData {
  string?: string | null;
  json?: string | null;
  bytes?: Uint8Array | null;
  http?: RpcHttpData | null;
  int?: number | null;
  double?: number | null;
}

export interface RpcParameterBinding {
  name: string;
  data: RpcTypedData;
}

export interface RpcTraceContext {
  traceParent?: string | null;
  traceState?: string | null;
  attributes?: Record<string, string> | null;
}

export interface RpcInvocationRequest {
  invocationId: string;
  functionId: string;
  inputData: RpcParameterBinding[];
  triggerMetadata: Record<string, RpcTypedData>;
  traceContext?: RpcTraceContext;
}

export interface RpcInvocationResponse {
  invocationId?: string | null;
  outputData?: RpcParameterBinding[] | null;
  returnValue?: RpcTypedData | null;
}

export type InvocationState = "preInvocationHooks" | "postInvocationHooks" | "invocation";

export interface CoreInvocationContext {
  invocationId: string;
  request: RpcInvocationRequest;
  metadata: FunctionMetadata;
  state?: InvocationState;
  log(level: RpcLogLevel, category: RpcLogCategory, message: string): void;
}

export interface InvocationArguments {
  context: unknown;
  inputs: unknown[];
}

export interface InvocationModel {
  getArguments(): Promise<InvocationArguments>;
  invokeFunction(context: unknown, inputs: unknown[], callback: FunctionCallback): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<RpcInvocationResponse>;
}

export interface ProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(coreContext: CoreInvocationContext): InvocationModel;
  getCapabilities?(capabilities: Record<string, string>): Promise<Record<string, string>>;
}

/** What the host checks before trusting a programming model handed to `setProgrammingModel`. */
export const programmingModelSchema = z.looseObject({
  name: z.string(),
  version: z.string(),
  getInvocationModel: z.custom<ProgrammingModel["getInvocationModel"]>(
    (value) => typeof value === "function",
    "must be a function",
  ),
});

export type HookName = "appStart" | "appTerminate" | "preInvocation" | "postInvocation" | "log";

export const HOOK_NAMES: readonly HookName[] = [
  "appStart",
  "appTerminate",
  "preInvocation",
  "postInvocation",
  "log",
];

export type HookData = Record<string, unknown>;

/** Hook callbacks receive a context object whose shape depends on the hook. */
export type HookCallback = (context: object) => unknown;
