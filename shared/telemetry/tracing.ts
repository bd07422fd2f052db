/**
 * One trace per request: every invocation runs in a span of its own, parented on what started it —
 * for a queue message, the W3C `traceparent` its sender put in its application properties (the
 * host's own invocation context becomes a link); otherwise the host's trace context. A send runs in
 * a producer span whose context travels with the message. Without a registered tracer provider all
 * of this is OpenTelemetry's no-op.
 */
import { app, type Disposable, type InvocationContext } from "@azure/functions";
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Link,
} from "@opentelemetry/api";

import { errorMessage } from "../errors.js";
import { addLogFields, currentLogFields, withLogFields } from "./logFields.js";

export const TRACER_NAME = "csp-onboarding";

const tracer = () => trace.getTracer(TRACER_NAME);

interface Start {
  readonly parent: Context;
  readonly kind: SpanKind;
  readonly links: Link[];
}

function extracted(traceparent: unknown, tracestate?: unknown): Context | undefined {
  if (typeof traceparent !== "string" || traceparent === "") return undefined;
  const carrier: Record<string, string> = { traceparent };
  if (typeof tracestate === "string" && tracestate !== "") carrier.tracestate = tracestate;
  const parent = propagation.extract(ROOT_CONTEXT, carrier);
  return trace.getSpanContext(parent) === undefined ? undefined : parent;
}

/** Where an invocation's span hangs: the message's sender, else the host's invocation. */
export function invocationStart(invocation: InvocationContext): Start {
  const host = extracted(invocation.traceContext?.traceParent, invocation.traceContext?.traceState);
  const trigger = invocation.options.trigger.type;
  if (trigger === "serviceBusTrigger") {
    const properties = invocation.triggerMetadata?.applicationProperties as
      Record<string, unknown> | undefined;
    const sender = extracted(properties?.traceparent, properties?.tracestate);
    const hostSpan = host === undefined ? undefined : trace.getSpanContext(host);
    if (sender !== undefined) {
      return {
        parent: sender,
        kind: SpanKind.CONSUMER,
        links: hostSpan === undefined ? [] : [{ context: hostSpan }],
      };
    }
    return { parent: host ?? ROOT_CONTEXT, kind: SpanKind.CONSUMER, links: [] };
  }
  return {
    parent: host ?? ROOT_CONTEXT,
    kind: trigger === "httpTrigger" ? SpanKind.SERVER : SpanKind.INTERNAL,
    links: [],
  };
}

/** Runs one invocation in its span, with a fresh bag of log fields. */
export function traceInvocation<T>(invocation: InvocationContext, run: () => Promise<T>): Promise<T> {
  const { parent, kind, links } = invocationStart(invocation);
  const attributes = { "faas.name": invocation.functionName, "faas.invocation_id": invocation.invocationId };
  return tracer().startActiveSpan(invocation.functionName, { kind, links, attributes }, parent, (span) =>
    withLogFields(async () => {
      try {
        const result = await run();
        const status = (result as { status?: unknown } | undefined)?.status;
        if (typeof status === "number") {
          span.setAttribute("http.response.status_code", status);
          if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        }
        return result;
      } catch (error) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
        throw error;
      } finally {
        span.setAttributes(currentLogFields());
        span.end();
      }
    }),
  );
}

/** Wraps every function of the app in traceInvocation. Register before other pre-invocation hooks. */
export function traceInvocations(): Disposable {
  return app.hook.preInvocation((pre) => {
    const handler = pre.functionHandler;
    const invocation = pre.invocationContext;
    pre.functionHandler = (input: unknown, invoked: InvocationContext) =>
      traceInvocation(invocation, async (): Promise<unknown> => (await handler(input, invoked)) as unknown);
  });
}

/**
 * Sends in a producer span; `send` receives the W3C headers (`traceparent`, `tracestate`) to put in
 * the message's application properties.
 */
export function tracedSend(
  queue: string,
  messageId: string,
  send: (traceHeaders: Record<string, string>) => Promise<void>,
): Promise<void> {
  const attributes = {
    "messaging.system": "servicebus",
    "messaging.operation.type": "send",
    "messaging.destination.name": queue,
    "messaging.message.id": messageId,
  };
  return tracer().startActiveSpan(`send ${queue}`, { kind: SpanKind.PRODUCER, attributes }, async (span) => {
    addLogFields(currentLogFields());
    const headers: Record<string, string> = {};
    propagation.inject(context.active(), headers);
    try {
      await send(headers);
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}
