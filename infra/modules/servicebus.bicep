// The Service Bus namespace and its queues. The queues and every property they carry are declared
// once, in ../servicebus-topology.json, which the local emulator reads too.

@description('Required. Name of the Service Bus namespace.')
param name string

@description('Required. Azure region of the namespace.')
param location string

@description('Required. Tags applied to the namespace.')
param tags object

var topology = loadJsonContent('../servicebus-topology.json')

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    // SAS keys refused: senders and receivers sign in with Entra ID.
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource queues 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = [
  for queue in topology.queues: {
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

@description('Name of the namespace.')
output name string = namespace.name

// serviceBusEndpoint reads https://<host>:443/, so item 2 of a split on '/' is <host>:443.
@description('Host name of the namespace (<name>.servicebus.windows.net in the public cloud), for ServiceBusConnection__fullyQualifiedNamespace.')
output fullyQualifiedNamespace string = split(split(namespace.properties.serviceBusEndpoint, '/')[2], ':')[0]

@description('Names of the queues created.')
output queueNames array = [for queue in topology.queues: queue.name]
