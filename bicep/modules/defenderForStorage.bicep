// Defender for Storage on-upload malware scanning on one (in-progress) stage account. Results go to
// the custom Event Grid topic (Event Grid schema). Defender creates its own system topic on the
// account; this deployment must never create another one (only one system topic per source).
@description('Name of the storage account (in this resource group) to protect.')
param storageAccountName string

@description('Resource id of the custom Event Grid topic that receives Microsoft.Security.MalwareScanningResult events. It must be in the account\'s region and allow public network access.')
param scanResultsTopicId string

@description('Monthly cap of scanned data per account in GB (-1: no cap). Set explicitly; above the cap blobs are not scanned and the airlock times out the request.')
param capGBPerMonth int

@description('Resource id of the Log Analytics workspace that receives every scan result (table StorageMalwareScanningResults): a record of each verdict kept by Defender, outside the airlock.')
param logAnalyticsWorkspaceId string

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource defender 'Microsoft.Security/defenderForStorageSettings@2025-06-01' = {
  name: 'current'
  scope: account
  properties: {
    isEnabled: true
    overrideSubscriptionLevelSettings: true
    malwareScanning: {
      onUpload: {
        isEnabled: true
        capGBPerMonth: capGBPerMonth
      }
      scanResultsEventGridTopicResourceId: scanResultsTopicId
      blobScanResultsOptions: 'blobIndexTags'
    }
    sensitiveDataDiscovery: {
      isEnabled: false
    }
  }
}

resource scanResultLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'airlock-scan-results'
  scope: defender
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        category: 'ScanResults'
        enabled: true
      }
    ]
  }
}

output id string = defender.id
