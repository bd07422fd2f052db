// The Service Bus namespace and its queues. The queues and every property they carry are declared
// once, in ../servicebus-topology.json, which the local emulator reads too. Private endpoints need
// the Premium tier, so the private network moves the namespace to Premium.

import { privateEndpointsType, queueType, toWorkspace } from 'types.bicep'

@description('Required. Name of the Service Bus namespace.')
param name string

@description('Required. Azure region of the namespace.')
param location string

@description('Optional. Tags applied to the namespace.')
param tags object?

@description('Required. The queues to create, as servicebus-topology.json declares them.')
param queues queueType[]

@description('Required. Resource id of the Log Analytics workspace that receives the diagnostics.')
param workspaceId string

@description('Optional. Private endpoint for the namespace; when given, public network access is off.')
param privateEndpoints privateEndpointsType?

var isPrivate = privateEndpoints != null
var tier = isPrivate ? 'Premium' : 'Standard'

resource namespace 'Microsoft.ServiceBus/namespaces@2026-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: tier
    tier: tier
    capacity: isPrivate ? 1 : null
  }
  properties: {
    // SAS keys refused: senders and receivers sign in with Entra ID.
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: isPrivate ? 'Disabled' : 'Enabled'
  }
}

resource queueResources 'Microsoft.ServiceBus/namespaces/queues@2026-01-01' = [
  for queue in queues: {
    parent: namespace
    name: queue.name
    properties: {
      lockDuration: queue.lockDuration
      maxDeliveryCount: queue.maxDeliveryCount
      requiresDuplicateDetection: queue.requiresDuplicateDetection
      duplicateDetectionHistoryTimeWindow: queue.duplicateDetectionHistoryTimeWindow
      defaultMessageTimeToLive: queue.defaultMessageTimeToLive
      deadLetteringOnMessageExpiration: queue.deadLetteringOnMessageExpiration
    }
  }
]

#disable-next-line use-recent-api-versions // The newest version; category groups (allLogs) need it, 2016-09-01 has none.
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-workspace'
  scope: namespace
  properties: toWorkspace(workspaceId, true)
}

module endpoints 'private-endpoints.bicep' = if (isPrivate) {
  name: 'endpoints-${name}'
  params: {
    targetName: namespace.name
    targetId: namespace.id
    groupIds: [
      'namespace'
    ]
    location: location
    tags: tags
    network: privateEndpoints!
  }
}

@description('Name of the namespace.')
output name string = namespace.name

// serviceBusEndpoint reads https://<host>:443/, so item 2 of a split on '/' is <host>:443.
@description('Host name of the namespace (<name>.servicebus.windows.net in the public cloud), for ServiceBusConnection__fullyQualifiedNamespace.')
output fullyQualifiedNamespace string = split(split(namespace.properties.serviceBusEndpoint, '/')[2], ':')[0]

@description('Names of the queues created.')
output queueNames array = [for queue in queues: queue.name]
