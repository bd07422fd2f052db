/** The Azure SDK's instrumentation and the module it patches, loaded when telemetry is on (see ../start.ts). */
export * as coreTracing from "@azure/core-tracing";
export { AzureSdkInstrumentation } from "@azure/opentelemetry-instrumentation-azure-sdk";
