// The storage account behind the Functions host (AzureWebJobsStorage), the Flex Consumption
// deployment package, and the app's tables. Table names come from ../tables.json, which the app's
// storage code reads too. With the private network, it is reached only through private endpoints.

import { privateEndpointsType, toWorkspace } from 'types.bicep'

@description('Required. Name of the storage account (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Required. Azure region of the storage account.')
param location string

@description('Optional. Tags applied to the storage account.')
param tags object?

@description('Required. Name of the blob container that holds the Flex Consumption deployment package.')
param deploymentContainerName string

@description('Required. Resource id of the Log Analytics workspace that receives the diagnostics.')
param workspaceId string

@description('Optional. Private endpoints for blob, table and queue; when given, public network access is off.')
param privateEndpoints privateEndpointsType?

var tableNames = loadJsonContent('../tables.json').tables
var isPrivate = privateEndpoints != null

resource account 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    // No account keys or SAS: the host, the app and the deployment all sign in with the managed identity.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    accessTier: 'Hot'
    publicNetworkAccess: isPrivate ? 'Disabled' : 'Enabled'
    networkAcls: {
      defaultAction: isPrivate ? 'Deny' : 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-06-01' = {
  parent: account
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2025-06-01' = {
  parent: account
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-06-01' = [
  for tableName in tableNames: {
    parent: tableService
    name: tableName
  }
]

// The host keeps no queues here, but its storage logs are wanted with the others.
resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-06-01' = {
  parent: account
  name: 'default'
}

// The account itself has metrics only; the logs are per service.
#disable-next-line use-recent-api-versions // The newest version; category groups (allLogs) need it, 2016-09-01 has none.
resource accountDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-workspace'
  scope: account
  properties: toWorkspace(workspaceId, false)
}

#disable-next-line use-recent-api-versions // The newest version; category groups (allLogs) need it, 2016-09-01 has none.
resource blobDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-workspace'
  scope: blobService
  properties: toWorkspace(workspaceId, true)
}

#disable-next-line use-recent-api-versions // The newest version; category groups (allLogs) need it, 2016-09-01 has none.
resource tableDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-workspace'
  scope: tableService
  properties: toWorkspace(workspaceId, true)
}

#disable-next-line use-recent-api-versions // The newest version; category groups (allLogs) need it, 2016-09-01 has none.
resource queueDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-workspace'
  scope: queueService
  properties: toWorkspace(workspaceId, true)
}

module endpoints 'private-endpoints.bicep' = if (isPrivate) {
  name: 'endpoints-${name}'
  params: {
    targetName: account.name
    targetId: account.id
    groupIds: [
      'blob'
      'table'
      'queue'
    ]
    location: location
    tags: tags
    network: privateEndpoints!
  }
}

@description('Name of the storage account.')
output name string = account.name

@description('Blob endpoint of the storage account, ending in a slash.')
output blobEndpoint string = account.properties.primaryEndpoints.blob

@description('Table endpoint of the storage account, for TABLES_ENDPOINT.')
output tableEndpoint string = account.properties.primaryEndpoints.table

@description('Name of the deployment package container.')
output deploymentContainerName string = deploymentContainer.name

@description('Names of the tables created.')
output tableNames array = tableNames
