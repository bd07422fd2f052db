// Key Vault holding the app's secrets: the operator keys and the partner key master. Access is by
// Azure RBAC only (no access policies); soft delete and purge protection keep a deleted secret
// recoverable. With the private network, it is reached only through its private endpoint.

import { privateEndpointsType, toWorkspace } from 'types.bicep'

@description('Required. Name of the key vault (3-24 characters).')
@minLength(3)
@maxLength(24)
param name string

@description('Required. Azure region of the key vault.')
param location string

@description('Optional. Tags applied to the key vault.')
param tags object?

@description('Required. Operator keys, comma-separated keyId:secret pairs, each secret at least 32 characters.')
@secure()
@minLength(34)
param operatorKeys string

@description('Required. Master key the per-partner signing keys are derived from (HKDF), at least 32 characters.')
@secure()
@minLength(32)
param partnerKeyMaster string

@description('Required. Resource id of the Log Analytics workspace that receives the diagnostics.')
param workspaceId string

@description('Optional. Private endpoint for the vault; when given, public network access is off.')
param privateEndpoints privateEndpointsType?

var isPrivate = privateEndpoints != null

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: isPrivate ? 'Disabled' : 'Enabled'
    networkAcls: {
      defaultAction: isPrivate ? 'Deny' : 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource operatorKeysSecret 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = {
  parent: vault
  name: 'operator-keys'
  properties: {
    value: operatorKeys
    contentType: 'text/plain; comma-separated keyId:secret'
  }
}

resource partnerKeyMasterSecret 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = {
  parent: vault
  name: 'partner-key-master'
  properties: {
    value: partnerKeyMaster
    contentType: 'text/plain'
  }
}

#disable-next-line use-recent-api-versions // The newest version; category groups (allLogs) need it, 2016-09-01 has none.
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-workspace'
  scope: vault
  properties: toWorkspace(workspaceId, true)
}

module endpoints 'private-endpoints.bicep' = if (isPrivate) {
  name: 'endpoints-${name}'
  params: {
    targetName: vault.name
    targetId: vault.id
    groupIds: [
      'vault'
    ]
    location: location
    tags: tags
    network: privateEndpoints!
  }
}

@description('Name of the key vault.')
output name string = vault.name

// Versionless URIs, so a new secret version is picked up without redeploying.
@description('Versionless URI of the operator-keys secret.')
output operatorKeysUri string = operatorKeysSecret.properties.secretUri

@description('Versionless URI of the partner-key-master secret.')
output partnerKeyMasterUri string = partnerKeyMasterSecret.properties.secretUri

@description('URI of the key vault (partners\' Partner Center secrets are read from it).')
output uri string = vault.properties.vaultUri
