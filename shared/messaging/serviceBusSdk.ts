/**
 * @azure/service-bus, for loading on first send: a module of ours importing it statically, because
 * the SDK is CommonJS and the deployment bundle's chunk for `import("@azure/service-bus")` itself
 * would offer only `default` (local/bundle.ts).
 */
export { ServiceBusClient } from "@azure/service-bus";
