/** The Service Bus emulator's public surface. */
export {
  startServiceBusEmulator,
  type ServiceBusEmulator,
  type ServiceBusEmulatorOptions,
} from "./emulator.js";
export type { EmulatorStats, EntityCounts, OperationCounts } from "./stats.js";
export {
  DEFAULT_TOPOLOGY_PATH,
  type QueueDefinition,
  type QueueSettings,
  type Topology,
  TopologyError,
  loadTopology,
  parseIsoDuration,
  parseTopology,
  queueDefinitionSchema,
  queueSettings,
  topologySchema,
} from "./topology.js";
export { EMULATOR_KEY, EMULATOR_KEY_NAME, createSasToken } from "./sas.js";
