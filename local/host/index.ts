/** The local Azure Functions host: runs the app's unchanged `@azure/functions` v4 registrations. */
export { startLocalHost } from "./localHost.js";
export type { FunctionSummary, LocalHost, StartLocalHostOptions } from "./localHost.js";
export { loadFunctionApp, FunctionAppLoadError } from "./loadFunctionApp.js";
export type { LoadFunctionAppOptions, LoadedFunctionApp } from "./loadFunctionApp.js";
export type { FunctionRegistration } from "./registrations.js";
export { installCoreModule } from "./installCoreModule.js";
export { consoleLogger, formatLogEntry, quietLogger } from "./logging.js";
export type { HostLogEntry, HostLogger } from "./logging.js";
export { parseNcrontab, nextOccurrence, NcrontabError } from "./timers/ncrontab.js";
export type { NcrontabSchedule } from "./timers/ncrontab.js";
