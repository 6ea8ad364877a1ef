// Where Event Grid puts the events it could not deliver (after every retry): one container per event
// subscription, each writable only by the system identity of the topic that delivers it. A
// dead-lettered scan verdict or notification is evidence an operator must see (docs/deploy.md says
// what to do), so nothing here expires. Event Grid writes as a trusted Azure service with its system
// identity; the firewall admits nothing else, so operators add their address or a private endpoint to
// read it.
@description('Storage account name (3-24 lower-case letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region of the account.')
param location string

@description('The containers to create and who writes to each: [{ name, writerPrincipalId }].')
param containers array

@description('Tags for the resources.')
param tags object = {}

var storageBlobDataContributorRoleId = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    // 'Enabled' with the firewall on: Event Grid's trusted-service access needs it.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Deny'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource container 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [for entry in containers: {
  parent: blobService
  name: entry.name
  properties: {
    publicAccess: 'None'
  }
}]

resource writers 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (entry, i) in containers: {
  name: guid(account.id, entry.name, entry.writerPrincipalId, storageBlobDataContributorRoleId)
  scope: container[i]
  properties: {
    principalId: entry.writerPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributorRoleId)
  }
}]

output id string = account.id
output name string = account.name

