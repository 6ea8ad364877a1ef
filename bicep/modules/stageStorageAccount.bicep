// One airlock stage account (used for every core and workspace stage). Shared-key access is off (so
// only Entra ID and user-delegation SAS work), TLS 1.2, HTTPS only, no anonymous blob access.
// External accounts (stalimex, stalexapp) accept any network, so researchers can use their
// user-delegation SAS from outside. Every other account is bound to the VNets: its firewall denies the
// internet and admits only the Function App's subnet (a service-endpoint rule: a server-side copy out of
// a firewalled account is checked against the caller's network, which a private endpoint in another
// VNet does not satisfy; Azure TRE needed the same rule) and its private endpoint, plus Defender's
// scanner on the scanned in-progress accounts.
@description('Storage account name, exactly as src/domain/stages.ts storageAccountName derives it.')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region of the account.')
param location string

@description('True for the external accounts (stalimex, stalexapp): reachable from any network, SAS only. False: firewall on, reachable only from the Function App subnet and the private endpoint.')
param external bool

@description('Subnet of the Function App\'s VNet integration (with the Microsoft.Storage service endpoint): admitted by the firewall of an internal account.')
param functionAppSubnetId string

@description('Subnet for the blob private endpoint of an internal account; ignored for an external one.')
param privateEndpointSubnetId string = ''

@description('True for an account Defender for Storage scans: its firewall admits the subscription\'s StorageDataScanner (stated here, so a redeployment does not remove the rule Defender added).')
param malwareScanned bool = false

@description('Resource id of the privatelink.blob private DNS zone. Empty: DNS registration is managed elsewhere.')
param blobPrivateDnsZoneId string = ''

@description('Resource id of the Log Analytics workspace that receives the blob access logs (every read, write and delete, with the caller and the SAS used). Empty: no logs.')
param logAnalyticsWorkspaceId string = ''

@description('Origins a browser may reach this account\'s blobs from through a SAS link (the console\'s uploads and downloads): set on the accounts whose links the airlock issues, [] (default, no CORS) on the others.')
param corsAllowedOrigins array = []

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

var externalNetworkAcls = {
  defaultAction: 'Allow'
  bypass: 'AzureServices'
}
var internalNetworkAcls = {
  defaultAction: 'Deny'
  bypass: 'AzureServices'
  virtualNetworkRules: [
    {
      id: functionAppSubnetId
      action: 'Allow'
    }
  ]
  ipRules: []
  resourceAccessRules: malwareScanned ? [
    {
      tenantId: tenant().tenantId
      resourceId: '/subscriptions/${subscription().subscriptionId}/providers/Microsoft.Security/datascanners/StorageDataScanner'
    }
  ] : []
}

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
    // A copy into or out of a stage account may only involve accounts of this Entra tenant. A draft
    // link (user-delegation SAS) authorizes only the destination of a copy; its source needs its own
    // authorization (Copy Blob, Authorization), which no anonymous read can give here.
    allowedCopyScope: 'AAD'
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    // 'Enabled' with the firewall on: 'Disabled' would also drop the subnet and scanner rules.
    publicNetworkAccess: 'Enabled'
    networkAcls: external ? externalNetworkAcls : internalNetworkAcls
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
    // What a block upload, a listing, a download and a delete from the console need (src/local/azuriteCors.ts
    // sets the same rule on the local host's Azurite): any request header, the response headers a client reads.
    cors: {
      corsRules: empty(corsAllowedOrigins) ? [] : [
        {
          allowedOrigins: corsAllowedOrigins
          allowedMethods: [
            'GET'
            'HEAD'
            'PUT'
            'DELETE'
            'OPTIONS'
          ]
          allowedHeaders: [
            '*'
          ]
          exposedHeaders: [
            'etag'
            'x-ms-*'
            'content-length'
            'content-range'
            'content-type'
            'last-modified'
          ]
          maxAgeInSeconds: 3600
        }
      ]
    }
  }
}

// Storage's own record of every access to the files, kept outside the airlock: who read, wrote or
// deleted which blob, when, from where, and whether with a SAS or the airlock's own identity.
resource blobAccessLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (!empty(logAnalyticsWorkspaceId)) {
  name: 'airlock-blob-access'
  scope: blobService
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        category: 'StorageRead'
        enabled: true
      }
      {
        category: 'StorageWrite'
        enabled: true
      }
      {
        category: 'StorageDelete'
        enabled: true
      }
    ]
  }
}

module blobPrivateEndpoint 'privateEndpoint.bicep' = if (!external) {
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
