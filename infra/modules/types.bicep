// Types and helpers the modules share, imported with `import { ... } from 'types.bicep'`.

@export()
@description('One Service Bus queue of servicebus-topology.json; durations are ISO 8601.')
type queueType = {
  @description('Required. Queue name.')
  name: string
  @description('Required. How long a received message stays locked for its receiver.')
  lockDuration: string
  @description('Required. Deliveries before the message is dead-lettered.')
  maxDeliveryCount: int
  @description('Required. Whether a message id seen within the window is dropped.')
  requiresDuplicateDetection: bool
  @description('Required. How long message ids are remembered for duplicate detection.')
  duplicateDetectionHistoryTimeWindow: string
  @description('Required. How long an unreceived message lives.')
  defaultMessageTimeToLive: string
  @description('Required. Whether an expired message is dead-lettered instead of dropped.')
  deadLetteringOnMessageExpiration: bool
}

@export()
@description('The queue topology file, servicebus-topology.json.')
type topologyType = {
  @description('Optional. What the file is for.')
  '$comment': string?
  @description('Required. Every queue the app sends to or receives from.')
  queues: queueType[]
}

@export()
@description('Where a resource\'s private endpoints go when the private network is on.')
type privateEndpointsType = {
  @description('Required. Resource id of the subnet the private endpoints are placed in.')
  subnetId: string
  @description('Required. Resource id of the private DNS zone for each group id (blob, table, queue, namespace, vault).')
  dnsZoneIds: {
    *: string
  }
}

@export()
@description('Diagnostic settings body: every log category and every metric, to one Log Analytics workspace.')
func toWorkspace(workspaceId string, withLogs bool) object => {
  workspaceId: workspaceId
  logs: withLogs
    ? [
        {
          categoryGroup: 'allLogs'
          enabled: true
        }
      ]
    : []
  metrics: [
    {
      category: 'AllMetrics'
      enabled: true
    }
  ]
}
