// Private endpoints of one resource, one per group id (sub-resource), each registered in the
// private DNS zone for its group so the resource's usual host name resolves to the private address.

import { privateEndpointsType } from 'types.bicep'

@description('Required. Name of the resource the endpoints lead to; it prefixes the endpoint names.')
param targetName string

@description('Required. Resource id of the resource the endpoints lead to.')
param targetId string

@description('Required. Group ids (sub-resources) to reach, e.g. blob, table, queue.')
param groupIds string[]

@description('Required. Azure region of the endpoints (the virtual network\'s).')
param location string

@description('Optional. Tags applied to every endpoint.')
param tags object?

@description('Required. The subnet and the private DNS zone of each group id.')
param network privateEndpointsType

resource endpoints 'Microsoft.Network/privateEndpoints@2026-01-01' = [
  for groupId in groupIds: {
    name: 'pe-${targetName}-${groupId}'
    location: location
    tags: tags
    properties: {
      subnet: {
        id: network.subnetId
      }
      privateLinkServiceConnections: [
        {
          name: '${targetName}-${groupId}'
          properties: {
            privateLinkServiceId: targetId
            groupIds: [
              groupId
            ]
          }
        }
      ]
    }
  }
]

resource zoneGroups 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2026-01-01' = [
  for (groupId, index) in groupIds: {
    parent: endpoints[index]
    name: 'default'
    properties: {
      privateDnsZoneConfigs: [
        {
          name: groupId
          properties: {
            privateDnsZoneId: network.dnsZoneIds[groupId]
          }
        }
      ]
    }
  }
]
