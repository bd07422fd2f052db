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

@description('Required. Webhook signing secrets, comma-separated (any may match, for rotation); each at least 16 characters. Stored in Key Vault only.')
@secure()
@minLength(16)
param webhookSecrets string

@description('Optional. Days before an unanswered relationship invitation expires (INVITATION_TTL_DAYS).')
@minValue(1)
@maxValue(3650)
param invitationTtlDays int = 90

@description('Optional. Six-field NCRONTAB schedule of the nightly sweep (SWEEP_SCHEDULE), in UTC.')
param sweepSchedule string = '0 0 2 * * *'

@description('Optional. Most instances the Flex Consumption plan may scale out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var deploymentContainerName = 'app-package'

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-api-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    workspaceName: 'log-${resourceToken}'
    appInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
  }
}

module serviceBus 'modules/servicebus.bicep' = {
  name: 'servicebus'
  scope: rg
  params: {
    name: 'sb-${resourceToken}'
    location: location
    tags: tags
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
    webhookSecrets: webhookSecrets
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
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageTableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: storage.outputs.deploymentContainerName
    serviceBusFullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
    appInsightsConnectionString: monitoring.outputs.connectionString
    webhookKeyVaultUri: keyVault.outputs.webhookEntryUri
    invitationTtlDays: invitationTtlDays
    sweepSchedule: sweepSchedule
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
    tags: tags
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

@description('Name of the key vault holding the webhook secrets.')
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
