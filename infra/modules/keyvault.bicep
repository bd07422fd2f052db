// Key Vault holding the webhook signing secrets. Access is by Azure RBAC only (no access policies);
// soft delete and purge protection keep a deleted secret recoverable.

@description('Required. Name of the key vault (3-24 characters).')
@minLength(3)
@maxLength(24)
param name string

@description('Required. Azure region of the key vault.')
param location string

@description('Required. Tags applied to the key vault.')
param tags object

@description('Required. Webhook signing secrets, comma-separated (any may match, for rotation); each at least 16 characters.')
@secure()
@minLength(16)
param webhookSecrets string

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
    publicNetworkAccess: 'Enabled'
  }
}

resource webhookSecretsEntry 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = {
  parent: vault
  name: 'webhook-secrets'
  properties: {
    value: webhookSecrets
    contentType: 'text/plain; comma-separated'
  }
}

@description('Name of the key vault.')
output name string = vault.name

@description('Versionless URI of the webhook secrets entry, so a new version is picked up without redeploying.')
output webhookEntryUri string = webhookSecretsEntry.properties.secretUri
