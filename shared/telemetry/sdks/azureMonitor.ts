/**
 * Application Insights' SDKs, loaded together when telemetry goes there (../start.ts). CommonJS
 * packages are loaded lazily through modules like this one, which import them statically: the
 * deployment bundle's chunk for `import("a-commonjs-package")` itself would offer only `default`.
 */
export { useAzureMonitor } from "@azure/monitor-opentelemetry";
export { AzureFunctionsInstrumentationESM } from "@azure/functions-opentelemetry-instrumentation";
