// The Airlock Function App on the Flex Consumption plan (Linux, Node 22), running as a user-assigned
// identity, with its own storage account for the deployment package and the Durable task hub
// (AzureWebJobsStorage over Entra ID, shared key off, reachable only through its blob, queue and table
// private endpoints), VNet integration (to reach that storage, the private stage accounts and Cosmos
// DB) and Application Insights with Entra ID ingestion.
//
// appSettings lists every setting src/config.ts and host.json read, and nothing the code never reads
// (test/bicep/appSettings.test.ts checks both directions). Settings that only exist for key-based or
// local use (AIRLOCK_COSMOS_KEY, AIRLOCK_TABLE_*, AIRLOCK_STORAGE_ACCOUNT_KEYS, AIRLOCK_EVENTS_TOPIC_KEY,
// AIRLOCK_EML_DIR) are set empty on purpose: in Azure everything authenticates as the identity.

@description('Name of the Function App (globally unique host name <name>.azurewebsites.net).')
param name string

@description('Azure region of the app, its plan and its storage.')
param location string

@description('Name of the app\'s own storage account (deployment package, Durable task hub).')
@minLength(3)
@maxLength(24)
param hostStorageAccountName string

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of the user-assigned identity (AZURE_CLIENT_ID, AzureWebJobsStorage__clientId).')
param identityClientId string

@description('Principal (object) id of the user-assigned identity.')
param identityPrincipalId string

@description('Name of the Application Insights component (in this resource group).')
param appInsightsName string

@description('Subnet for VNet integration, delegated to Microsoft.App/environments (Flex Consumption).')
param virtualNetworkSubnetId string

@description('Subnet for the private endpoints (blob, queue, table) of the app\'s own storage.')
param privateEndpointSubnetId string

@description('Resource id of the privatelink.blob private DNS zone. Empty: DNS is managed elsewhere.')
param blobPrivateDnsZoneId string = ''

@description('Resource id of the privatelink.queue private DNS zone. Empty: DNS is managed elsewhere.')
param queuePrivateDnsZoneId string = ''

@description('Resource id of the privatelink.table private DNS zone. Empty: DNS is managed elsewhere.')
param tablePrivateDnsZoneId string = ''

@description('Maximum number of instances (Flex Consumption).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory per instance in MB (Flex Consumption).')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Node.js version of the Flex Consumption runtime: 22, because the Azure SDKs the app uses require Node 22.')
@allowed([
  '22'
])
param nodeVersion string = '22'

@description('Durable Functions task hub name (AIRLOCK_TASK_HUB, read by host.json).')
param taskHubName string = 'airlock'

@description('AIRLOCK_TRE_ID: the TRE id, suffix of the core stage account names.')
param treId string

@description('AIRLOCK_WORKSPACE_AUDIENCES: "workspaceId=audience;..."')
param workspaceAudiences string

@description('AIRLOCK_WORKSPACE_NAMES: "workspaceId=Display Name;..." (may be empty).')
param workspaceNames string = ''

@description('AIRLOCK_WORKSPACE_SCOPES: "workspaceId=api://...;..." for workspaces whose scope is not derived from the audience (may be empty).')
param workspaceScopes string = ''

@description('AIRLOCK_AUTH_ISSUER: trusted token issuer(s), comma-separated.')
param authIssuer string

@description('AIRLOCK_AUTH_JWKS_URI: the issuer\'s signing keys.')
param authJwksUri string

@description('AIRLOCK_CORE_AUDIENCE: audience of tokens for the TRE core API (TREAdmin routes).')
param coreAudience string

@description('AIRLOCK_COSMOS_ENDPOINT: the Cosmos DB account endpoint.')
param cosmosEndpoint string

@description('AIRLOCK_COSMOS_DATABASE.')
param cosmosDatabase string = 'airlock'

@description('AIRLOCK_COSMOS_CONTAINER: the requests container.')
param cosmosContainer string = 'requests'

@description('AIRLOCK_BLOB_ENDPOINT_TEMPLATE: blob endpoint of a stage account, {account} replaced by its name.')
param blobEndpointTemplate string = 'https://{account}.blob.${environment().suffixes.storage}'

@description('AIRLOCK_SAS_EXPIRY_MINUTES.')
param sasExpiryMinutes int = 60

@description('AIRLOCK_MAX_FILES: default files per request of a newly registered workspace.')
param maxFiles int = 50

@description('AIRLOCK_MAX_FILE_SIZE_MB: default maximum file size in MB of a newly registered workspace.')
param maxFileSizeMB int = 1024

@description('AIRLOCK_ALLOWED_FILE_TYPES: default allowed file types of a newly registered workspace, comma-separated; empty: the built-in list.')
param allowedFileTypes string = ''

@description('AIRLOCK_SCANNER: defender, clamav or none.')
@allowed([
  'defender'
  'clamav'
  'none'
])
param scanner string = 'defender'

@description('AIRLOCK_CLAMD: clamd address, when scanner is clamav: tcp://host:3310, or the absolute path of its unix socket (docs/clamav.md).')
param clamdAddress string = ''

@description('AIRLOCK_CLAMD_MAX_FILE_SIZE_MB: MaxFileSize of the clamd.conf in use, in MB (docs/clamav.md).')
param clamdMaxFileSizeMB int = 2048

@description('AIRLOCK_CLAMD_MAX_SCAN_SIZE_MB: MaxScanSize of the clamd.conf in use, in MB.')
param clamdMaxScanSizeMB int = 4095

@description('AIRLOCK_CLAMD_STREAM_MAX_LENGTH_MB: StreamMaxLength of the clamd.conf in use, in MB.')
param clamdStreamMaxLengthMB int = 2048

@description('AIRLOCK_SCAN_TIMEOUT: how long to wait for a verdict, e.g. 3h.')
param scanTimeout string = '3h'

@description('AIRLOCK_DEPLOYMENT_ID: names this deployment in every event\'s source; empty: the TRE id.')
param deploymentId string = ''

@description('AIRLOCK_EVENTS_TOPIC_ENDPOINT: the airlock events topic (CloudEvents); empty: events are not published.')
param eventsTopicEndpoint string = ''

@description('AIRLOCK_MAIL: smtp or none (eml writes files, for local use).')
@allowed([
  'smtp'
  'none'
])
param mail string = 'none'

@description('AIRLOCK_MAIL_FROM.')
param mailFrom string = ''

@description('AIRLOCK_SMTP_HOST.')
param smtpHost string = ''

@description('AIRLOCK_SMTP_PORT.')
param smtpPort int = 587

@description('AIRLOCK_SMTP_SECURE: true for implicit TLS (port 465).')
param smtpSecure bool = false

@description('AIRLOCK_SMTP_USER.')
param smtpUser string = ''

@description('AIRLOCK_SMTP_PASSWORD.')
@secure()
param smtpPassword string = ''

@description('AIRLOCK_NOTIFICATION_RULES: path of a JSON rules file inside the package; empty: the built-in rules.')
param notificationRulesFile string = ''

@description('AIRLOCK_REQUEST_URL_TEMPLATE: where a person opens a request, with {workspaceId} and {requestId}.')
param requestUrlTemplate string = ''

@description('Origins allowed to call the API from a browser (the TRE portal when it is served from another origin), e.g. [\'https://portal.example.org\']; [] allows none, [\'*\'] every origin. The platform answers the preflight; the local host reads the same list from AIRLOCK_CORS_ALLOWED_ORIGINS.')
param corsAllowedOrigins array = []

@description('AIRLOCK_CONSOLE_CLIENT_ID: client id of the console\'s single-page app registration; empty: the console says its sign-in is not configured.')
param consoleClientId string = ''

@description('AIRLOCK_CONSOLE_AUTHORITY: the Entra ID authority of the console\'s sign-in; empty: read from AIRLOCK_AUTH_ISSUER.')
param consoleAuthority string = ''

@description('AIRLOCK_CONSOLE_CORE_SCOPE: the scope the console asks for the core API; empty: derived from AIRLOCK_CORE_AUDIENCE.')
param consoleCoreScope string = ''

@description('Tags for the resources.')
param tags object = {}

var deploymentContainerName = 'app-package'
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}
// Durable Functions (Azure Storage provider) needs blobs, queues and tables of the host account.
var hostStorageRoles = [
  roles.storageBlobDataOwner
  roles.storageQueueDataContributor
  roles.storageTableDataContributor
]

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource hostStorage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: hostStorageAccountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    // The Durable task hub holds request ids and file names: no network reaches it but the app's.
    publicNetworkAccess: 'Disabled'
    networkAcls: {
      defaultAction: 'Deny'
      bypass: 'None'
    }
  }
}

// One private endpoint for each of the three services the task hub uses.
var hostStorageEndpoints = [
  {
    groupId: 'blob'
    zoneId: blobPrivateDnsZoneId
  }
  {
    groupId: 'queue'
    zoneId: queuePrivateDnsZoneId
  }
  {
    groupId: 'table'
    zoneId: tablePrivateDnsZoneId
  }
]

module hostStoragePrivateEndpoints 'privateEndpoint.bicep' = [for endpoint in hostStorageEndpoints: {
  name: 'pe-${hostStorageAccountName}-${endpoint.groupId}'
  params: {
    name: 'pe-${hostStorageAccountName}-${endpoint.groupId}'
    location: location
    subnetId: privateEndpointSubnetId
    targetResourceId: hostStorage.id
    groupId: endpoint.groupId
    privateDnsZoneId: endpoint.zoneId
    tags: tags
  }
}]

resource hostBlobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: hostStorage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: hostBlobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource hostStorageRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for roleId in hostStorageRoles: {
  name: guid(hostStorage.id, identityPrincipalId, roleId)
  scope: hostStorage
  properties: {
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
  }
}]

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, identityPrincipalId, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-${name}'
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

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: tags
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
    clientCertEnabled: false
    virtualNetworkSubnetId: virtualNetworkSubnetId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${hostStorage.properties.primaryEndpoints.blob}${deploymentContainerName}'
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
        version: nodeVersion
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      // The portal sends its bearer token in a header, never a cookie: no credentials.
      cors: {
        allowedOrigins: corsAllowedOrigins
        supportCredentials: false
      }
      appSettings: [
        // Host storage and Durable task hub, over Entra ID (no connection string, no key).
        {
          name: 'AzureWebJobsStorage__accountName'
          value: hostStorage.name
        }
        {
          name: 'AzureWebJobsStorage__credential'
          value: 'managedidentity'
        }
        {
          name: 'AzureWebJobsStorage__clientId'
          value: identityClientId
        }
        {
          name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
          value: appInsights.properties.ConnectionString
        }
        {
          name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
          value: 'ClientId=${identityClientId};Authorization=AAD'
        }
        // The airlock's own settings (src/config.ts, host.json).
        {
          name: 'AIRLOCK_TASK_HUB'
          value: taskHubName
        }
        {
          name: 'AIRLOCK_TRE_ID'
          value: treId
        }
        {
          name: 'AIRLOCK_WORKSPACE_AUDIENCES'
          value: workspaceAudiences
        }
        {
          name: 'AIRLOCK_WORKSPACE_NAMES'
          value: workspaceNames
        }
        {
          name: 'AIRLOCK_WORKSPACE_SCOPES'
          value: workspaceScopes
        }
        {
          name: 'AIRLOCK_AUTH_ISSUER'
          value: authIssuer
        }
        {
          name: 'AIRLOCK_AUTH_JWKS_URI'
          value: authJwksUri
        }
        {
          name: 'AIRLOCK_CORE_AUDIENCE'
          value: coreAudience
        }
        {
          // Workspace roles of core-token callers from Entra ID app role assignments. The identity needs the
          // Graph application permission Directory.Read.All, which an administrator grants (docs/deploy.md).
          name: 'AIRLOCK_ROLE_DIRECTORY'
          value: 'graph'
        }
        {
          name: 'AIRLOCK_GRAPH_ENDPOINT'
          value: environment().graph
        }
        {
          name: 'AIRLOCK_STATE_STORE'
          value: 'cosmos'
        }
        {
          name: 'AIRLOCK_COSMOS_ENDPOINT'
          value: cosmosEndpoint
        }
        {
          name: 'AIRLOCK_COSMOS_KEY'
          value: '' // local auth is off: the identity's data-plane role
        }
        {
          name: 'AIRLOCK_COSMOS_DATABASE'
          value: cosmosDatabase
        }
        {
          name: 'AIRLOCK_COSMOS_CONTAINER'
          value: cosmosContainer
        }
        {
          name: 'AIRLOCK_TABLE_CONNECTION_STRING'
          value: '' // only for AIRLOCK_STATE_STORE=table
        }
        {
          name: 'AIRLOCK_TABLE_NAME'
          value: '' // only for AIRLOCK_STATE_STORE=table
        }
        {
          name: 'AIRLOCK_STORAGE_AUTH'
          value: 'managed-identity'
        }
        {
          name: 'AIRLOCK_STORAGE_ACCOUNT_KEYS'
          value: '' // shared-key access is off on every stage account
        }
        {
          name: 'AIRLOCK_BLOB_ENDPOINT_TEMPLATE'
          value: blobEndpointTemplate
        }
        {
          name: 'AZURE_CLIENT_ID'
          value: identityClientId
        }
        {
          name: 'AIRLOCK_SAS_EXPIRY_MINUTES'
          value: string(sasExpiryMinutes)
        }
        {
          name: 'AIRLOCK_MAX_FILES'
          value: string(maxFiles)
        }
        {
          name: 'AIRLOCK_MAX_FILE_SIZE_MB'
          value: string(maxFileSizeMB)
        }
        {
          name: 'AIRLOCK_ALLOWED_FILE_TYPES'
          value: allowedFileTypes
        }
        {
          name: 'AIRLOCK_SCANNER'
          value: scanner
        }
        {
          name: 'AIRLOCK_CLAMD'
          value: clamdAddress
        }
        {
          name: 'AIRLOCK_CLAMD_MAX_FILE_SIZE_MB'
          value: string(clamdMaxFileSizeMB)
        }
        {
          name: 'AIRLOCK_CLAMD_MAX_SCAN_SIZE_MB'
          value: string(clamdMaxScanSizeMB)
        }
        {
          name: 'AIRLOCK_CLAMD_STREAM_MAX_LENGTH_MB'
          value: string(clamdStreamMaxLengthMB)
        }
        {
          name: 'AIRLOCK_SCAN_TIMEOUT'
          value: scanTimeout
        }
        {
          name: 'AIRLOCK_DEPLOYMENT_ID'
          value: deploymentId
        }
        {
          name: 'AIRLOCK_EVENTS_TOPIC_ENDPOINT'
          value: eventsTopicEndpoint
        }
        {
          name: 'AIRLOCK_EVENTS_TOPIC_KEY'
          value: '' // local auth is off on the topic: EventGrid Data Sender role
        }
        {
          name: 'AIRLOCK_MAIL'
          value: mail
        }
        {
          name: 'AIRLOCK_MAIL_FROM'
          value: mailFrom
        }
        {
          name: 'AIRLOCK_SMTP_HOST'
          value: smtpHost
        }
        {
          name: 'AIRLOCK_SMTP_PORT'
          value: string(smtpPort)
        }
        {
          name: 'AIRLOCK_SMTP_SECURE'
          value: smtpSecure ? 'true' : 'false'
        }
        {
          name: 'AIRLOCK_SMTP_USER'
          value: smtpUser
        }
        {
          name: 'AIRLOCK_SMTP_PASSWORD'
          value: smtpPassword
        }
        {
          name: 'AIRLOCK_EML_DIR'
          value: '' // .eml files are for local use
        }
        {
          name: 'AIRLOCK_NOTIFICATION_RULES'
          value: notificationRulesFile
        }
        {
          name: 'AIRLOCK_REQUEST_URL_TEMPLATE'
          value: requestUrlTemplate
        }
        {
          // The development sign-in exists only on the local host: in Azure the console signs in with Entra ID.
          name: 'AIRLOCK_CONSOLE_SIGN_IN'
          value: 'entra'
        }
        {
          name: 'AIRLOCK_CONSOLE_CLIENT_ID'
          value: consoleClientId
        }
        {
          name: 'AIRLOCK_CONSOLE_AUTHORITY'
          value: consoleAuthority
        }
        {
          name: 'AIRLOCK_CONSOLE_CORE_SCOPE'
          value: consoleCoreScope
        }
      ]
    }
  }
  dependsOn: [
    deploymentContainer
    hostStorageRoleAssignments
    hostStoragePrivateEndpoints
  ]
}

output id string = functionApp.id
output name string = functionApp.name
output defaultHostName string = functionApp.properties.defaultHostName
output hostStorageAccountName string = hostStorage.name
