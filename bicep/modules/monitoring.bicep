// Log Analytics workspace and workspace-based Application Insights with local auth off: telemetry is
// ingested with Entra ID (the function identity gets Monitoring Metrics Publisher in functionApp.bicep).
@description('Base name; the resources are log-<baseName> and appi-<baseName>.')
param baseName string

@description('Azure region of the resources.')
param location string

@description('Days to keep logs.')
@minValue(30)
@maxValue(730)
param retentionInDays int = 90

@description('Tags for the resources.')
param tags object = {}

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-${baseName}'
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${baseName}'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    DisableLocalAuth: true
  }
}

output appInsightsName string = appInsights.name
output appInsightsId string = appInsights.id
output logAnalyticsId string = logAnalytics.id
