// The optional private network: a virtual network with a subnet the function app integrates with and
// a subnet for the private endpoints of Storage, Service Bus and Key Vault, plus the private DNS
// zones that make their usual host names resolve to those endpoints from inside the network.

import { privateEndpointsType } from 'types.bicep'

@description('Required. Name of the virtual network.')
param name string

@description('Required. Azure region of the virtual network.')
param location string

@description('Optional. Tags applied to every network resource.')
param tags object?

@description('Optional. Address space of the virtual network; the two subnets take its first two /24s.')
param addressPrefix string = '10.20.0.0/16'

// Group id (private endpoint sub-resource) → private DNS zone, for this cloud.
var dnsZones = {
  blob: 'privatelink.blob.${environment().suffixes.storage}'
  table: 'privatelink.table.${environment().suffixes.storage}'
  queue: 'privatelink.queue.${environment().suffixes.storage}'
  namespace: 'privatelink.servicebus.windows.net'
  vault: 'privatelink.vaultcore.azure.net'
}

resource vnet 'Microsoft.Network/virtualNetworks@2026-01-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        name: 'app'
        properties: {
          addressPrefix: cidrSubnet(addressPrefix, 24, 0)
          // Flex Consumption integrates through a subnet delegated to Microsoft.App/environments.
          delegations: [
            {
              name: 'flex-consumption'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      }
      {
        name: 'private-endpoints'
        properties: {
          addressPrefix: cidrSubnet(addressPrefix, 24, 1)
        }
      }
    ]
  }

  resource appSubnet 'subnets' existing = {
    name: 'app'
  }

  resource endpointSubnet 'subnets' existing = {
    name: 'private-endpoints'
  }
}

resource zones 'Microsoft.Network/privateDnsZones@2024-06-01' = [
  for zone in items(dnsZones): {
    name: zone.value
    location: 'global'
    tags: tags
  }
]

resource zoneLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [
  for (zone, index) in items(dnsZones): {
    parent: zones[index]
    name: vnet.name
    location: 'global'
    tags: tags
    properties: {
      virtualNetwork: {
        id: vnet.id
      }
      registrationEnabled: false
    }
  }
]

@description('Resource id of the subnet the function app integrates with.')
output appSubnetId string = vnet::appSubnet.id

@description('The private endpoint subnet and the DNS zone of each group id, for the resource modules.')
output privateEndpoints privateEndpointsType = {
  subnetId: vnet::endpointSubnet.id
  // By name: the zones' ids, known before they exist; consumers wait for this module anyway.
  dnsZoneIds: toObject(
    items(dnsZones),
    zone => zone.key,
    zone => resourceId('Microsoft.Network/privateDnsZones', zone.value)
  )
}
