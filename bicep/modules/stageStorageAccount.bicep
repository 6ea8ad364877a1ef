// One airlock stage account (used for every core and workspace stage). Shared-key access is off (so
// only Entra ID and user-delegation SAS work), TLS 1.2, HTTPS only, no anonymous blob access.
// External accounts (stalimex, stalexapp) keep public network access so researchers can use their
// user-delegation SAS from outside; every other account is reachable only through its private endpoint.
@description('Storage account name, exactly as src/domain/stages.ts storageAccountName derives it.')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region of the account.')
param location string

@description('True for the external accounts (stalimex, stalexapp): public network access on, SAS only. False: public network access disabled, private endpoint only.')
param publicNetworkAccess bool

@description('Subnet for the blob private endpoint. Required when publicNetworkAccess is false; ignored otherwise.')
param privateEndpointSubnetId string = ''

@description('Resource id of the privatelink.blob private DNS zone. Empty: DNS registration is managed elsewhere.')
param blobPrivateDnsZoneId string = ''

@description('Storage redundancy.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_RAGRS'
])
param skuName string = 'Standard_LRS'

@description('Tags for the resources.')
param tags object = {}

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: publicNetworkAccess ? 'Enabled' : 'Disabled'
    networkAcls: {
      defaultAction: publicNetworkAccess ? 'Allow' : 'Deny'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    // The airlock moves data by copy-then-delete; deleted copies must really be gone.
    deleteRetentionPolicy: {
      enabled: false
    }
    containerDeleteRetentionPolicy: {
      enabled: false
    }
  }
}

module blobPrivateEndpoint 'privateEndpoint.bicep' = if (!publicNetworkAccess) {
  name: 'pe-${name}'
  params: {
    name: 'pe-${name}-blob'
    location: location
    subnetId: privateEndpointSubnetId
    targetResourceId: account.id
    groupId: 'blob'
    privateDnsZoneId: blobPrivateDnsZoneId
    tags: tags
  }
}

output id string = account.id
output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
