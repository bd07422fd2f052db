// What an operator must hear about: messages in a dead-letter queue, failing function executions,
// and a nightly sweep that has not succeeded for 26 hours. All go to one action group (e-mail).

@description('Required. Token that makes the alert names unique (the deployment resourceToken).')
param resourceToken string

@description('Required. Azure region of the log search alert rules.')
param location string

@description('Optional. Tags applied to every alert resource.')
param tags object?

@description('Required. E-mail address the alerts are sent to.')
param alertEmail string

@description('Required. Name of the Service Bus namespace whose dead-letter queues are watched.')
param serviceBusNamespaceName string

@description('Required. Name of the Application Insights component the function app reports to.')
param appInsightsName string

resource serviceBusNamespace 'Microsoft.ServiceBus/namespaces@2026-01-01' existing = {
  name: serviceBusNamespaceName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

// The operators' workbook (its tiles are in infra/workbook.json, which the infra check reads too);
// every alert links to it and to the README's runbook.
resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(resourceGroup().id, 'csp-onboarding-operations', resourceToken)
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'CSP onboarding operations (${resourceToken})'
    category: 'workbook'
    sourceId: appInsights.id
    serializedData: replace(
      replace(loadTextContent('../workbook.json'), '__SERVICE_BUS_NAMESPACE_ID__', serviceBusNamespace.id),
      '__APP_INSIGHTS_ID__',
      appInsights.id
    )
  }
}

var alertLinks = {
  workbook: '${environment().portal}/#@${tenant().tenantId}/resource${workbook.id}/workbook'
  runbook: 'README.md#runbook'
}

resource operators 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-ops-${resourceToken}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'csp-ops'
    enabled: true
    emailReceivers: [
      {
        name: 'operator'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

resource deadLetters 'Microsoft.Insights/metricAlerts@2026-01-01' = {
  name: 'alert-dead-letters-${resourceToken}'
  location: 'global'
  tags: tags
  properties: {
    description: 'A message is in a dead-letter queue: it failed maxDeliveryCount times or expired. Inspect it, then resubmit or discard it.'
    severity: 2
    enabled: true
    scopes: [
      serviceBusNamespace.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'DeadLetteredMessages'
          metricNamespace: 'Microsoft.ServiceBus/namespaces'
          metricName: 'DeadletteredMessages'
          // One alert per queue.
          dimensions: [
            {
              name: 'EntityName'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          timeAggregation: 'Maximum'
          operator: 'GreaterThan'
          threshold: 0
        }
      ]
    }
    actions: [
      {
        actionGroupId: operators.id
        webHookProperties: alertLinks
      }
    ]
  }
}

// In Application Insights every function execution is a request named after the function;
// success is false when the execution threw (a rule violation is an outcome, not a failure).
var failedExecutionsQuery = '''
requests
| where success == false
| project timestamp, operation_Name
'''

resource functionFailures 'Microsoft.Insights/scheduledQueryRules@2026-03-01' = {
  name: 'alert-function-failures-${resourceToken}'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Function executions failed'
    description: 'At least one function execution failed in the last 15 minutes. Failed queue messages are retried, then dead-lettered.'
    severity: 2
    enabled: true
    scopes: [
      appInsights.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: failedExecutionsQuery
          timeAggregation: 'Count'
          dimensions: [
            {
              name: 'operation_Name'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: [
        operators.id
      ]
      customProperties: alertLinks
    }
  }
}

// sweepTimer is the timer function's registered name.
var sweepSucceededQuery = '''
requests
| where timestamp > ago(26h)
| where operation_Name == "sweepTimer" and success == true
'''

// A log alert window is at most one day, so the rule reads two days of data (overrideQueryTimeRange)
// and the query itself keeps the last 26 hours: a nightly run plus two hours of slack.
resource sweepOverdue 'Microsoft.Insights/scheduledQueryRules@2026-03-01' = {
  name: 'alert-sweep-overdue-${resourceToken}'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Nightly sweep has not succeeded for 26 hours'
    description: 'No successful sweepTimer run in the last 26 hours: original subscriptions due at term end are not being retired.'
    severity: 1
    enabled: true
    scopes: [
      appInsights.id
    ]
    evaluationFrequency: 'PT1H'
    windowSize: 'PT1H'
    overrideQueryTimeRange: 'P2D'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: sweepSucceededQuery
          timeAggregation: 'Count'
          // Count == 0, written as < 1.
          operator: 'LessThan'
          threshold: 1
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: [
        operators.id
      ]
      customProperties: alertLinks
    }
  }
}

@description('Resource id of the operators workbook.')
output workbookId string = workbook.id

@description('Resource id of the operators action group.')
output actionGroupId string = operators.id
