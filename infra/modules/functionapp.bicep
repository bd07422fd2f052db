// The Flex Consumption plan and the function app. Every connection is identity-based: the app
// settings hold endpoints, the identity's client id and Key Vault references, never a key.

import { toWorkspace } from 'types.bicep'

@description('Required. Name of the Flex Consumption plan.')
param planName string

@description('Required. Name of the function app.')
param name string

@description('Required. Azure region of the plan and the app.')
param location string

@description('Optional. Tags applied to the plan; the app also gets azd-service-name.')
param tags object?

@description('Required. Resource id of the user-assigned managed identity the app runs as.')
param identityId string

@description('Required. Client id of that identity.')
param identityClientId string

@description('Required. Name of the storage account used as AzureWebJobsStorage.')
param storageAccountName string

@description('Required. Blob endpoint of that storage account, ending in a slash.')
param storageBlobEndpoint string

@description('Required. Table endpoint of that storage account, for TABLES_ENDPOINT.')
param storageTableEndpoint string

@description('Required. Container holding the deployment package.')
param deploymentContainerName string

@description('Required. Host name of the Service Bus namespace.')
param serviceBusFullyQualifiedNamespace string

@description('Required. Application Insights connection string (no key in it).')
param appInsightsConnectionString string

@description('Required. Versionless Key Vault URI of the operator-keys secret.')
param operatorKeysUri string

@description('Required. Versionless Key Vault URI of the partner-key-master secret.')
param partnerKeyMasterUri string

@description('Required. Audience customers\' Entra ID access tokens must carry (CUSTOMER_TOKEN_AUDIENCE).')
param customerTokenAudience string

@description('Required. Resource id of the Log Analytics workspace that receives the diagnostics.')
param workspaceId string

@description('Optional. Resource id of the subnet the app integrates with (the private network); none by default.')
param subnetId string?

@description('Required. Days before an unanswered invitation expires (INVITATION_TTL_DAYS).')
@minValue(1)
@maxValue(3650)
param invitationTtlDays int

@description('Required. Six-field NCRONTAB schedule of the nightly sweep (SWEEP_SCHEDULE).')
param sweepSchedule string

@description('Required. records or live (PARTNER_CENTER_MODE).')
@allowed(['records', 'live'])
param partnerCenterMode string

@description('Required. The vault partners\' Partner Center secrets are read from (KEY_VAULT_URI).')
param keyVaultUri string

@description('Optional. Most instances Flex Consumption may scale out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Optional. Memory of each instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: union(tags ?? {}, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references resolve as the user-assigned identity (the default would be a system identity the app does not have).
    keyVaultReferenceIdentity: identityId
    // With the private network, outbound calls go through the virtual network to the private endpoints.
    virtualNetworkSubnetId: subnetId
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: '20'
      }
    }
  }

  resource appSettings 'config' = {
    name: 'appsettings'
    properties: {
      AzureWebJobsStorage__accountName: storageAccountName
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: identityClientId
      ServiceBusConnection__fullyQualifiedNamespace: serviceBusFullyQualifiedNamespace
      ServiceBusConnection__credential: 'managedidentity'
      ServiceBusConnection__clientId: identityClientId
      TABLES_ENDPOINT: storageTableEndpoint
      AZURE_CLIENT_ID: identityClientId
      APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
      OPERATOR_KEYS: '@Microsoft.KeyVault(SecretUri=${operatorKeysUri})'
      PARTNER_KEY_MASTER: '@Microsoft.KeyVault(SecretUri=${partnerKeyMasterUri})'
      CUSTOMER_TOKEN_AUDIENCE: customerTokenAudience
      INVITATION_TTL_DAYS: string(invitationTtlDays)
      SWEEP_SCHEDULE: sweepSchedule
      PARTNER_CENTER_MODE: partnerCenterMode
      KEY_VAULT_URI: keyVaultUri
    }
  }

  // Deployment goes through the identity; basic (user name and password) publishing stays off.
  resource ftpPublishing 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: {
      allow: false
    }
  }

  resource scmPublishing 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: {
      allow: false
    }
  }
}

#disable-next-line use-recent-api-versions // The newest version; category groups (allLogs) need it, 2016-09-01 has none.
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-workspace'
  scope: app
  properties: toWorkspace(workspaceId, true)
}

@description('Name of the function app.')
output name string = app.name

@description('Default host name of the function app.')
output defaultHostName string = app.properties.defaultHostName
