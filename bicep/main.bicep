// Airlock: TRE core. One resource group holds the core network (unless the TRE brings its own), the
// Function App (user-assigned identity, Flex Consumption, Node 22, private host storage), Application
// Insights and Log Analytics, Cosmos DB (serverless, private), the two custom Event Grid topics
// (Defender scan results; airlock events in CloudEvents schema) with dead-lettering and alerts, and the
// five core stage accounts. Workspaces are deployed separately with workspace.bicep, fed by the
// workspaceParameters output.
//
// First deployment: deployEventSubscriptions=false, publish the function code, then deploy again with
// deployEventSubscriptions=true (an AzureFunction event subscription needs the function to exist).
// See docs/deploy.md.
targetScope = 'resourceGroup'

@description('The TRE id: suffix of the core stage accounts (1-11 lower-case letters or digits). AIRLOCK_TRE_ID.')
@minLength(1)
@maxLength(11)
param treId string

@description('Azure region for every resource. The scan-result topic must share the region of the in-progress accounts, so workspaces must use it too.')
param location string = resourceGroup().location

@description('Workspaces the airlock serves: [{ id, audience, displayName, scope? }], the first three required. id: 3-63 letters, digits or \'-\'; audience: client id of the workspace app registration; displayName: non-empty, no \';\'; scope (optional): the app\'s application ID URI when it is not api://<audience>, e.g. Azure TRE\'s api://<workspace suffix>. Becomes AIRLOCK_WORKSPACE_AUDIENCES, AIRLOCK_WORKSPACE_NAMES and AIRLOCK_WORKSPACE_SCOPES.')
param workspaces array

@description('Trusted token issuer(s), comma-separated (AIRLOCK_AUTH_ISSUER), e.g. https://login.microsoftonline.com/<tenant-id>/v2.0.')
param authIssuer string

@description('JWKS URI of the issuer (AIRLOCK_AUTH_JWKS_URI), e.g. https://login.microsoftonline.com/<tenant-id>/discovery/v2.0/keys.')
param authJwksUri string

@description('Audience of tokens for the TRE core API (AIRLOCK_CORE_AUDIENCE).')
param coreAudience string

@description('Create the core network: a VNet with the two subnets below, a NAT gateway for the app\'s outbound traffic, and the private DNS zones (blob, queue, table, documents) linked to it. False: the TRE core provides them, give their ids below.')
param createNetwork bool = true

@description('Address space of the created VNet (createNetwork=true).')
param vnetAddressPrefix string = '10.20.0.0/24'

@description('Subnet of the created VNet for the Function App (createNetwork=true).')
param functionAppSubnetPrefix string = '10.20.0.0/26'

@description('Subnet of the created VNet for private endpoints (createNetwork=true).')
param privateEndpointSubnetPrefix string = '10.20.0.64/26'

@description('createNetwork=false: subnet for the Function App\'s VNet integration, delegated to Microsoft.App/environments, with the Microsoft.Storage service endpoint, and outbound internet access (NAT gateway or firewall) for Entra ID, Event Grid and SMTP.')
param functionAppSubnetId string = ''

@description('createNetwork=false: subnet for the private endpoints of the private core stage accounts, the app\'s own storage and Cosmos DB.')
param privateEndpointSubnetId string = ''

@description('createNetwork=false: resource id of the privatelink.blob.<storage suffix> private DNS zone, linked to the core VNet (and the workspace VNets). Empty: DNS is managed elsewhere.')
param blobPrivateDnsZoneId string = ''

@description('createNetwork=false: resource id of the privatelink.queue.<storage suffix> private DNS zone. Empty: DNS is managed elsewhere.')
param queuePrivateDnsZoneId string = ''

@description('createNetwork=false: resource id of the privatelink.table.<storage suffix> private DNS zone. Empty: DNS is managed elsewhere.')
param tablePrivateDnsZoneId string = ''

@description('createNetwork=false: resource id of the privatelink.documents.azure.com private DNS zone. Empty: DNS is managed elsewhere.')
param cosmosPrivateDnsZoneId string = ''

@description('Create the event subscriptions to defenderScanResult and airlockNotifier. False on the first deployment, before the function code is published.')
param deployEventSubscriptions bool = false

@description('Optional example notification subscription: an https webhook (e.g. a Logic App) that receives Airlock.Request.StatusChanged events for requests entering review. Empty: none.')
@secure()
param notificationWebhookUrl string = ''

@description('Malware scanner (AIRLOCK_SCANNER). With defender, Defender for Storage scans the in-progress accounts.')
@allowed([
  'defender'
  'clamav'
  'none'
])
param scanner string = 'defender'

@description('clamd address (AIRLOCK_CLAMD), when scanner is clamav: tcp://host:3310, or the absolute path of its unix socket (docs/clamav.md).')
param clamdAddress string = ''

@description('Defender on-upload scanning cap per account and month in GB (-1: no cap). Explicit on purpose: above the cap files are not scanned and requests time out.')
param defenderCapGBPerMonth int = 5000

@description('How long to wait for a scan verdict (AIRLOCK_SCAN_TIMEOUT).')
param scanTimeout string = '3h'

@description('Lifetime of a SAS link in minutes (AIRLOCK_SAS_EXPIRY_MINUTES).')
@minValue(1)
@maxValue(10080)
param sasExpiryMinutes int = 60

@description('Default files per request of a newly registered workspace (AIRLOCK_MAX_FILES, at most 64); an existing workspace keeps its own airlock settings.')
param maxFiles int = 50

@description('Default maximum file size in MB of a newly registered workspace (AIRLOCK_MAX_FILE_SIZE_MB); an existing workspace keeps its own airlock settings.')
param maxFileSizeMB int = 1024

@description('Default allowed file types of a newly registered workspace, comma-separated, detected from content (AIRLOCK_ALLOWED_FILE_TYPES); empty: the built-in list.')
param allowedFileTypes string = ''

@description('Notification mail (AIRLOCK_MAIL): smtp or none.')
@allowed([
  'smtp'
  'none'
])
param mail string = 'none'

@description('Sender address of notification mail (AIRLOCK_MAIL_FROM).')
param mailFrom string = ''

@description('SMTP server (AIRLOCK_SMTP_HOST).')
param smtpHost string = ''

@description('SMTP port (AIRLOCK_SMTP_PORT).')
param smtpPort int = 587

@description('Implicit TLS (AIRLOCK_SMTP_SECURE).')
param smtpSecure bool = false

@description('SMTP user (AIRLOCK_SMTP_USER).')
param smtpUser string = ''

@description('SMTP password (AIRLOCK_SMTP_PASSWORD).')
@secure()
param smtpPassword string = ''

@description('Link to a request in the TRE portal, with {workspaceId} and {requestId} (AIRLOCK_REQUEST_URL_TEMPLATE).')
param requestUrlTemplate string = ''

@description('Mail addresses alerted when an Event Grid delivery is dead-lettered or dropped (a scan verdict or notification that never arrived), or publishing airlock events fails. Empty: no alerts.')
param alertEmailAddresses array = []

@description('Origins allowed to call the airlock API from a browser, e.g. the TRE portal\'s when it is served from another host; [] (default) allows none. The stage accounts the airlock links to answer CORS for these and for the Function App\'s own origin (the console it serves).')
param corsAllowedOrigins array = []

@description('Client id of the console\'s single-page app registration in Entra ID (AIRLOCK_CONSOLE_CLIENT_ID; redirect URI https://<function app host>/api/console/). Empty: the console answers that its sign-in is not configured; the API works as before.')
param consoleClientId string = ''

@description('The Entra ID authority the console signs in with (AIRLOCK_CONSOLE_AUTHORITY), e.g. https://login.microsoftonline.com/<tenant id>. Empty: read from authIssuer.')
param consoleAuthority string = ''

@description('The scope the console asks for the core API (AIRLOCK_CONSOLE_CORE_SCOPE). Empty: <application ID URI of coreAudience>/user_impersonation, as .metadata says.')
param consoleCoreScope string = ''

@description('Tags for every resource.')
param tags object = {}

// Storage and Cosmos names allow lower case only; src/domain/stages.ts lower-cases the same way.
var suffix = toLower(treId)
var baseName = 'airlock-${suffix}'
var roles = {
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageBlobDelegator: 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a'
}
var scanResultsDeadLetterContainer = 'scan-results'
var eventsDeadLetterContainer = 'airlock-events'
// Core stage accounts: <role><treId>, as src/domain/stages.ts storageAccountName derives them.
// External (any network, SAS only): stalimex, stalexapp. The others are internal: firewall on, the app
// subnet and their private endpoint only.
// linked: the airlock issues links to it (import draft, import in review, export approved), so a browser
// reaches it through a SAS and it answers CORS for the console.
var coreStageAccounts = [
  {
    role: 'stalimex'
    external: true
    linked: true
  }
  {
    role: 'stalimip'
    external: false
    linked: true
  }
  {
    role: 'stalimrej'
    external: false
    linked: false
  }
  {
    role: 'stalimblocked'
    external: false
    linked: false
  }
  {
    role: 'stalexapp'
    external: true
    linked: true
  }
]
// The console is served by the Function App itself, so its origin, with every origin allowed to call the API,
// may reach the linked stage accounts from a browser.
var stageCorsOrigins = union([
  'https://${functionApp.outputs.defaultHostName}'
], corsAllowedOrigins)

module network 'modules/network.bicep' = if (createNetwork) {
  name: 'network'
  params: {
    name: 'vnet-${baseName}'
    location: location
    addressPrefix: vnetAddressPrefix
    functionAppSubnetPrefix: functionAppSubnetPrefix
    privateEndpointSubnetPrefix: privateEndpointSubnetPrefix
    tags: tags
  }
}

module dnsZones 'modules/privateDnsZones.bicep' = if (createNetwork) {
  name: 'private-dns-zones'
  params: {
    // Guarded although the module has the same condition: ARM evaluates a skipped module's parameters.
    virtualNetworkId: createNetwork ? network!.outputs.id : ''
    tags: tags
  }
}

var net = {
  functionAppSubnetId: createNetwork ? network!.outputs.functionAppSubnetId : functionAppSubnetId
  privateEndpointSubnetId: createNetwork ? network!.outputs.privateEndpointSubnetId : privateEndpointSubnetId
  blobZoneId: createNetwork ? dnsZones!.outputs.blobZoneId : blobPrivateDnsZoneId
  queueZoneId: createNetwork ? dnsZones!.outputs.queueZoneId : queuePrivateDnsZoneId
  tableZoneId: createNetwork ? dnsZones!.outputs.tableZoneId : tablePrivateDnsZoneId
  cosmosZoneId: createNetwork ? dnsZones!.outputs.cosmosZoneId : cosmosPrivateDnsZoneId
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-${baseName}'
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    baseName: baseName
    location: location
    tags: tags
  }
}

module cosmos 'modules/cosmos.bicep' = {
  name: 'cosmos'
  params: {
    name: 'cosmos-${baseName}'
    location: location
    dataContributorPrincipalId: identity.properties.principalId
    privateEndpointSubnetId: net.privateEndpointSubnetId
    privateDnsZoneId: net.cosmosZoneId
    tags: tags
  }
}

module stageAccounts 'modules/stageStorageAccount.bicep' = [for account in coreStageAccounts: {
  name: 'stage-${account.role}'
  params: {
    name: '${account.role}${suffix}'
    location: location
    external: account.external
    functionAppSubnetId: net.functionAppSubnetId
    privateEndpointSubnetId: net.privateEndpointSubnetId
    blobPrivateDnsZoneId: net.blobZoneId
    malwareScanned: scanner == 'defender' && account.role == 'stalimip'
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsId
    corsAllowedOrigins: account.linked ? stageCorsOrigins : []
    tags: tags
  }
}]

// Blob data (create request containers, copy between stages, delete) and user-delegation SAS keys on
// each stage account, nothing wider. Storage Blob Data Contributor already contains
// generateUserDelegationKey; Storage Blob Delegator states the SAS duty explicitly.
module stageAccountRoles 'modules/storageRoleAssignments.bicep' = [for (account, i) in coreStageAccounts: {
  name: 'rbac-${account.role}'
  params: {
    storageAccountName: stageAccounts[i].outputs.name
    principalId: identity.properties.principalId
    roleDefinitionIds: [
      roles.storageBlobDataContributor
      roles.storageBlobDelegator
    ]
  }
}]

// Defender scan results (Event Grid schema). Must allow public network access (Defender cannot deliver
// to a private topic); local auth is off.
module scanResultsTopic 'modules/eventGridTopic.bicep' = {
  name: 'topic-scan-results'
  params: {
    name: 'evgt-${baseName}-scan-results'
    location: location
    inputSchema: 'EventGridSchema'
    publicNetworkAccess: true
    tags: tags
  }
}

// The airlock's own events (CloudEvents 1.0); the function identity publishes (EventGrid Data Sender).
module eventsTopic 'modules/eventGridTopic.bicep' = {
  name: 'topic-airlock-events'
  params: {
    name: 'evgt-${baseName}-events'
    location: location
    inputSchema: 'CloudEventSchemaV1_0'
    publicNetworkAccess: true
    senderPrincipalIds: [
      identity.properties.principalId
    ]
    tags: tags
  }
}

// On-upload malware scanning of the core in-progress account (import). Defender creates its own
// system topic on the account: no system topic of ours there.
module defender 'modules/defenderForStorage.bicep' = if (scanner == 'defender') {
  name: 'defender-stalimip'
  params: {
    // stalimip is index 1 of coreStageAccounts.
    storageAccountName: stageAccounts[1].outputs.name
    scanResultsTopicId: scanResultsTopic.outputs.id
    capGBPerMonth: defenderCapGBPerMonth
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsId
  }
}

// Undelivered scan verdicts and events, one container per subscription, each written by its topic.
module deadLetters 'modules/deadLetterStorage.bicep' = {
  name: 'dead-letters'
  params: {
    name: take('stdl${suffix}${uniqueString(resourceGroup().id)}', 24)
    location: location
    containers: [
      {
        name: scanResultsDeadLetterContainer
        writerPrincipalId: scanResultsTopic.outputs.principalId
      }
      {
        name: eventsDeadLetterContainer
        writerPrincipalId: eventsTopic.outputs.principalId
      }
    ]
    tags: tags
  }
}

module functionApp 'modules/functionApp.bicep' = {
  name: 'function-app'
  params: {
    name: 'func-${baseName}'
    location: location
    hostStorageAccountName: take('stfunc${suffix}${uniqueString(resourceGroup().id)}', 24)
    identityId: identity.id
    identityClientId: identity.properties.clientId
    identityPrincipalId: identity.properties.principalId
    appInsightsName: monitoring.outputs.appInsightsName
    virtualNetworkSubnetId: net.functionAppSubnetId
    privateEndpointSubnetId: net.privateEndpointSubnetId
    blobPrivateDnsZoneId: net.blobZoneId
    queuePrivateDnsZoneId: net.queueZoneId
    tablePrivateDnsZoneId: net.tableZoneId
    treId: suffix
    workspaceAudiences: join(map(workspaces, w => '${w.id}=${w.audience}'), ';')
    workspaceNames: join(map(workspaces, w => '${w.id}=${w.displayName}'), ';')
    workspaceScopes: join(map(filter(workspaces, w => contains(w, 'scope')), w => '${w.id}=${w.scope}'), ';')
    authIssuer: authIssuer
    authJwksUri: authJwksUri
    coreAudience: coreAudience
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabase: cosmos.outputs.databaseName
    cosmosContainer: cosmos.outputs.requestsContainerName
    sasExpiryMinutes: sasExpiryMinutes
    maxFiles: maxFiles
    maxFileSizeMB: maxFileSizeMB
    allowedFileTypes: allowedFileTypes
    scanner: scanner
    clamdAddress: clamdAddress
    scanTimeout: scanTimeout
    deploymentId: treId
    eventsTopicEndpoint: eventsTopic.outputs.endpoint
    mail: mail
    mailFrom: mailFrom
    smtpHost: smtpHost
    smtpPort: smtpPort
    smtpSecure: smtpSecure
    smtpUser: smtpUser
    smtpPassword: smtpPassword
    requestUrlTemplate: requestUrlTemplate
    corsAllowedOrigins: corsAllowedOrigins
    consoleClientId: consoleClientId
    consoleAuthority: consoleAuthority
    consoleCoreScope: consoleCoreScope
    tags: tags
  }
}

// Scan verdicts to the defenderScanResult function (Event Grid schema).
module scanResultSubscription 'modules/eventSubscription.bicep' = if (deployEventSubscriptions && scanner == 'defender') {
  name: 'evgs-scan-results'
  params: {
    topicName: scanResultsTopic.outputs.name
    name: 'defender-scan-result'
    deadLetterStorageAccountId: deadLetters.outputs.id
    deadLetterContainerName: scanResultsDeadLetterContainer
    endpointType: 'AzureFunction'
    endpoint: '${functionApp.outputs.id}/functions/defenderScanResult'
    includedEventTypes: [
      'Microsoft.Security.MalwareScanningResult'
    ]
    eventDeliverySchema: 'EventGridSchema'
  }
}

// Airlock events to the airlockNotifier function (CloudEvents), which sends the notification mail.
module notifierSubscription 'modules/eventSubscription.bicep' = if (deployEventSubscriptions) {
  name: 'evgs-airlock-notifier'
  params: {
    topicName: eventsTopic.outputs.name
    name: 'airlock-notifier'
    deadLetterStorageAccountId: deadLetters.outputs.id
    deadLetterContainerName: eventsDeadLetterContainer
    endpointType: 'AzureFunction'
    endpoint: '${functionApp.outputs.id}/functions/airlockNotifier'
    eventDeliverySchema: 'CloudEventSchemaV1_0'
  }
}

// Example of an organisation's own notifications: requests entering review, to a webhook (Logic App).
module exampleNotificationSubscription 'modules/eventSubscription.bicep' = if (!empty(notificationWebhookUrl)) {
  name: 'evgs-example-notification'
  params: {
    topicName: eventsTopic.outputs.name
    name: 'example-in-review-notification'
    deadLetterStorageAccountId: deadLetters.outputs.id
    deadLetterContainerName: eventsDeadLetterContainer
    endpointType: 'WebHook'
    endpoint: notificationWebhookUrl
    includedEventTypes: [
      'Airlock.Request.StatusChanged'
    ]
    advancedFilters: [
      {
        operatorType: 'StringIn'
        key: 'data.status'
        values: [
          'in_review'
        ]
      }
    ]
    eventDeliverySchema: 'CloudEventSchemaV1_0'
  }
}

module alerts 'modules/deliveryAlerts.bicep' = if (!empty(alertEmailAddresses)) {
  name: 'delivery-alerts'
  params: {
    baseName: baseName
    emailAddresses: alertEmailAddresses
    topicIds: [
      scanResultsTopic.outputs.id
      eventsTopic.outputs.id
    ]
    tags: tags
  }
}

output functionAppName string = functionApp.outputs.name
output functionAppUrl string = 'https://${functionApp.outputs.defaultHostName}/api'
output identityPrincipalId string = identity.properties.principalId
output identityClientId string = identity.properties.clientId
output scanResultsTopicId string = scanResultsTopic.outputs.id
output eventsTopicEndpoint string = eventsTopic.outputs.endpoint
output cosmosEndpoint string = cosmos.outputs.endpoint
output coreStageAccounts array = [for (account, i) in coreStageAccounts: stageAccounts[i].outputs.name]
output location string = location
output logAnalyticsWorkspaceId string = monitoring.outputs.logAnalyticsId
output functionAppSubnetId string = net.functionAppSubnetId
output deadLetterStorageAccountName string = deadLetters.outputs.name
output egressIpAddress string = createNetwork ? network!.outputs.egressIpAddress : ''
@description('A parameters file for workspace.bicep with every value it needs from the core: save it and pass it with -p @<file> next to the workspace\'s own parameters.')
output workspaceParameters object = {
  '$schema': 'https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#'
  contentVersion: '1.0.0.0'
  parameters: {
    location: {
      value: location
    }
    functionIdentityPrincipalId: {
      value: identity.properties.principalId
    }
    scanResultsTopicId: {
      value: scanResultsTopic.outputs.id
    }
    functionAppSubnetId: {
      value: net.functionAppSubnetId
    }
    logAnalyticsWorkspaceId: {
      value: monitoring.outputs.logAnalyticsId
    }
    blobPrivateDnsZoneId: {
      value: net.blobZoneId
    }
    coreVirtualNetworkId: {
      value: createNetwork ? network!.outputs.id : ''
    }
    enableDefender: {
      value: scanner == 'defender'
    }
    defenderCapGBPerMonth: {
      value: defenderCapGBPerMonth
    }
    corsAllowedOrigins: {
      value: stageCorsOrigins
    }
  }
}
