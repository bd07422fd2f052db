/**
 * Where telemetry goes, decided once at start from the settings: Application Insights when
 * `APPLICATIONINSIGHTS_CONNECTION_STRING` is set (signing in with the managed identity when the
 * authentication string says `Authorization=AAD`); spans printed to stdout when a local run asks
 * with `OTEL_TRACES_EXPORTER=console`; nowhere otherwise. `OTEL_SDK_DISABLED=true` turns it all off.
 * The SDKs are loaded only when used, so a run without telemetry pays nothing for them.
 */
import * as azureFunctions from "@azure/functions";
import type { Context } from "@opentelemetry/api";
import type { LogRecordProcessor, SdkLogRecord } from "@opentelemetry/sdk-logs";
import { z } from "zod";

import { managedIdentityCredential } from "../identity.js";
import { currentLogFields } from "./logFields.js";

const settingsSchema = z.object({
  APPLICATIONINSIGHTS_CONNECTION_STRING: z.string().trim().min(1).optional(),
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: z.string().optional(),
  AZURE_CLIENT_ID: z.string().min(1).optional(),
  OTEL_TRACES_EXPORTER: z.enum(["none", "console"]).optional(),
  OTEL_SDK_DISABLED: z.enum(["true", "false"]).optional(),
});

export type TelemetryDestination = "azure-monitor" | "console" | "off";

/** The destination the settings ask for; throws naming a malformed setting. */
export function telemetryDestination(
  env: Readonly<Record<string, string | undefined>>,
): TelemetryDestination {
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`Invalid telemetry setting ${issue?.path.join(".") ?? ""}: ${issue?.message ?? ""}`);
  }
  const settings = parsed.data;
  if (settings.OTEL_SDK_DISABLED === "true") return "off";
  if (settings.APPLICATIONINSIGHTS_CONNECTION_STRING !== undefined) return "azure-monitor";
  return settings.OTEL_TRACES_EXPORTER === "console" ? "console" : "off";
}

/** Stamps the invocation's ids (requestId, partnerId, customerId, …) on every log record. */
export class LogFieldsProcessor implements LogRecordProcessor {
  onEmit(record: SdkLogRecord, _context?: Context): void {
    record.setAttributes(currentLogFields());
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Starts the exporters the settings ask for; returns where telemetry goes. */
export async function startTelemetry(
  env: Readonly<Record<string, string | undefined>>,
): Promise<TelemetryDestination> {
  const destination = telemetryDestination(env);
  if (destination === "azure-monitor") {
    const { useAzureMonitor, AzureFunctionsInstrumentationESM } = await import("./sdks/azureMonitor.js");
    const aad = /(^|;)\s*Authorization\s*=\s*AAD\s*(;|$)/i.test(
      env.APPLICATIONINSIGHTS_AUTHENTICATION_STRING ?? "",
    );
    useAzureMonitor({
      azureMonitorExporterOptions: {
        connectionString: env.APPLICATIONINSIGHTS_CONNECTION_STRING,
        ...(aad
          ? { credential: await managedIdentityCredential(emptyToUndefined(env.AZURE_CLIENT_ID)) }
          : {}),
      },
      logRecordProcessors: [new LogFieldsProcessor()],
    });
    // The ESM form: patched by hand, as an ES module cannot be patched on load.
    new AzureFunctionsInstrumentationESM({ enabled: false }).registerAzFunc(azureFunctions);
  } else if (destination === "console") {
    const { ConsoleSpanExporter, NodeTracerProvider, SimpleSpanProcessor } =
      await import("./sdks/consoleSpans.js");
    new NodeTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())],
    }).register();
  }
  if (destination !== "off") await traceAzureSdk();
  return destination;
}

/**
 * Spans for the Azure SDK's calls (Table Storage, Service Bus). Its instrumentation patches
 * @azure/core-tracing when it is required, which an ES module never is, so it is applied by hand.
 */
export async function traceAzureSdk(): Promise<void> {
  const { coreTracing, AzureSdkInstrumentation } = await import("./sdks/azureSdkSpans.js");
  for (const definition of new AzureSdkInstrumentation({ enabled: false }).getModuleDefinitions()) {
    definition.patch?.(coreTracing);
  }
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}
