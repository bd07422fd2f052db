// CSP onboarding service on Azure: a Flex Consumption function app that reaches Storage, Service Bus,
// Key Vault and Application Insights with its managed identity only. Deployed by `azd up` or
// `az deployment sub create`; see the README section "Deploy to Azure".
targetScope = 'subscription'

@description('Required. Name of the azd environment; it names the resource group and seeds every resource name.')
@minLength(1)
@maxLength(64)
param environmentName string

@description('Required. Azure region for every resource; it must offer the Flex Consumption plan.')
@minLength(1)
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Required. E-mail address that receives the operator alerts (dead letters, function failures, overdue sweep).')
@minLength(3)
param alertEmail string

@description('Required. Operator keys, comma-separated keyId:secret pairs (any may match, for rotation); each secret at least 32 characters. Stored in Key Vault only.')
@secure()
@minLength(34)
param operatorKeys string

@description('Required. Master key the per-partner signing keys are derived from (HKDF); at least 32 characters. Stored in Key Vault only.')
@secure()
@minLength(32)
param partnerKeyMaster string

@description('Required. Audience customers\' Entra ID access tokens must carry: the app registration\'s Application ID URI (api://<app-id>) or client id.')
@minLength(1)
param customerTokenAudience string

@description('Optional. Private network: the app reaches Storage, Service Bus (moved to Premium) and Key Vault only through private endpoints, and their public network access is off. Deploying the app package then needs a machine inside the network.')
param vnetEnabled bool = false

@description('Optional. Tags applied to every resource, besides azd-env-name.')
param tags {
  *: string
}?

@description('Optional. Days before an unanswered relationship invitation expires (INVITATION_TTL_DAYS).')
@minValue(1)
@maxValue(3650)
param invitationTtlDays int = 90

@description('Optional. Six-field NCRONTAB schedule of the nightly sweep (SWEEP_SCHEDULE), in UTC.')
param sweepSchedule string = '0 0 2 * * *'

@description('Optional. records: nothing reaches Partner Center; live: it is read as each partner and its events are taken (PARTNER_CENTER_MODE).')
@allowed(['records', 'live'])
param partnerCenterMode string = 'records'

@description('Optional. Most instances the Flex Consumption plan may scale out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var allTags = union(tags ?? {}, {
  'azd-env-name': environmentName
})
var deploymentContainerName = 'app-package'

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: allTags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-api-${resourceToken}'
    location: location
    tags: allTags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    workspaceName: 'log-${resourceToken}'
    appInsightsName: 'appi-${resourceToken}'
    location: location
    tags: allTags
  }
}

module network 'modules/network.bicep' = if (vnetEnabled) {
  name: 'network'
  scope: rg
  params: {
    name: 'vnet-${resourceToken}'
    location: location
    tags: allTags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: allTags
    deploymentContainerName: deploymentContainerName
    workspaceId: monitoring.outputs.workspaceId
    privateEndpoints: network.?outputs.privateEndpoints
  }
}

module serviceBus 'modules/servicebus.bicep' = {
  name: 'servicebus'
  scope: rg
  params: {
    name: 'sb-${resourceToken}'
    location: location
    tags: allTags
    queues: loadJsonContent('servicebus-topology.json').queues
    workspaceId: monitoring.outputs.workspaceId
    privateEndpoints: network.?outputs.privateEndpoints
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: allTags
    operatorKeys: operatorKeys
    partnerKeyMaster: partnerKeyMaster
    workspaceId: monitoring.outputs.workspaceId
    privateEndpoints: network.?outputs.privateEndpoints
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  scope: rg
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    serviceBusNamespaceName: serviceBus.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
    keyVaultName: keyVault.outputs.name
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  scope: rg
  params: {
    planName: 'plan-${resourceToken}'
    name: 'func-api-${resourceToken}'
    location: location
    tags: allTags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageTableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: storage.outputs.deploymentContainerName
    serviceBusFullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
    appInsightsConnectionString: monitoring.outputs.connectionString
    operatorKeysUri: keyVault.outputs.operatorKeysUri
    partnerKeyMasterUri: keyVault.outputs.partnerKeyMasterUri
    customerTokenAudience: customerTokenAudience
    workspaceId: monitoring.outputs.workspaceId
    subnetId: network.?outputs.appSubnetId
    invitationTtlDays: invitationTtlDays
    sweepSchedule: sweepSchedule
    partnerCenterMode: partnerCenterMode
    keyVaultUri: keyVault.outputs.uri
    maximumInstanceCount: maximumInstanceCount
  }
  // The host starts as soon as the app exists: let it find its roles (storage, Key Vault) in place.
  dependsOn: [
    roles
  ]
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    resourceToken: resourceToken
    location: location
    tags: allTags
    alertEmail: alertEmail
    serviceBusNamespaceName: serviceBus.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
  }
}

@description('Azure region the environment was deployed to.')
output AZURE_LOCATION string = location

@description('Tenant id of the subscription.')
output AZURE_TENANT_ID string = tenant().tenantId

@description('Name of the resource group holding every resource.')
output AZURE_RESOURCE_GROUP string = rg.name

@description('Name of the function app (the azd service api).')
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name

@description('Name of the function app, as azd names a service output.')
output SERVICE_API_NAME string = functionApp.outputs.name

@description('Base URL of the function app; the routes live under /api.')
output SERVICE_API_URI string = 'https://${functionApp.outputs.defaultHostName}'

@description('Client id of the function app managed identity (not AZURE_CLIENT_ID, which the pipeline uses for its own login).')
output AZURE_FUNCTION_APP_CLIENT_ID string = identity.outputs.clientId

@description('Host name of the Service Bus namespace.')
output SERVICEBUS_FULLY_QUALIFIED_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace

@description('Table endpoint of the storage account.')
output TABLES_ENDPOINT string = storage.outputs.tableEndpoint

@description('Name of the key vault holding the operator keys and the partner key master.')
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
