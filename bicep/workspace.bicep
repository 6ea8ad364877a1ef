// Airlock: one workspace. Deploys the five workspace stage accounts (stalimapp, stalexint, stalexip,
// stalexrej, stalexblocked), all internal (firewall on: only the core Function App subnet and one blob
// private endpoint each in the workspace subnet), gives the core Function App identity its roles on
// them, and turns on Defender on-upload scanning of the export in-progress account (stalexip) with
// results to the core scan-result topic and Log Analytics. With coreVirtualNetworkId it also peers the
// workspace VNet with the core VNet and links the blob DNS zone to it. Deploy into the workspace's
// resource group, after main.bicep: its output workspaceParameters is a parameters file with every
// core value this template needs.
//
// The core must also know the workspace: add it to the `workspaces` parameter of main.bicep and deploy
// the core again (AIRLOCK_WORKSPACE_AUDIENCES). See docs/deploy.md.
targetScope = 'resourceGroup'

@description('The workspace id (3-63 letters, digits or \'-\'), as in AIRLOCK_WORKSPACE_AUDIENCES. The accounts are named <role>ws<last 4 characters of the id>.')
@minLength(3)
@maxLength(63)
param workspaceId string

@description('Azure region; must be the region of the core scan-result topic (Defender delivers only to a topic in the account\'s region).')
param location string = resourceGroup().location

@description('Principal id of the core Function App identity (output identityPrincipalId of main.bicep).')
param functionIdentityPrincipalId string

@description('Resource id of the core Defender scan-result topic (output scanResultsTopicId of main.bicep).')
param scanResultsTopicId string

@description('Subnet of the core Function App\'s VNet integration (output of main.bicep): the only subnet the stage accounts\' firewalls admit.')
param functionAppSubnetId string

@description('Resource id of the core Log Analytics workspace (output of main.bicep): blob access logs and Defender scan results.')
param logAnalyticsWorkspaceId string

@description('Subnet of the workspace VNet for the private endpoints of the stage accounts (where the workspace\'s machines reach stalexint and stalimapp).')
param privateEndpointSubnetId string

@description('Resource id of the core VNet (output of main.bicep when it created the network). Set: peer the workspace VNet (of privateEndpointSubnetId) with it both ways and link the blob DNS zone to the workspace VNet; the deployer needs Network Contributor on both VNets and the zone. Empty: the TRE peers and links them.')
param coreVirtualNetworkId string = ''

@description('Resource id of the privatelink.blob.<storage suffix> private DNS zone (usually the core one, linked to the core and workspace VNets). Empty: DNS is managed elsewhere.')
param blobPrivateDnsZoneId string = ''

@description('Turn on Defender for Storage on-upload scanning of stalexip (true when the core uses AIRLOCK_SCANNER=defender).')
param enableDefender bool = true

@description('Defender on-upload scanning cap for stalexip per month in GB (-1: no cap).')
param defenderCapGBPerMonth int = 5000

@description('Origins a browser may reach the linked stage accounts from (stalimapp, stalexint, stalexip: the console\'s uploads, reviews and downloads through SAS links): the core Function App\'s origin and the core\'s corsAllowedOrigins (output workspaceParameters of main.bicep). [] : no CORS.')
param corsAllowedOrigins array = []

@description('Tags for every resource.')
param tags object = {}

// <role>ws<last 4 characters of the workspace id>, lower-case letters and digits only: the same
// derivation as src/domain/stages.ts storageAccountName (workspace ids allow only letters, digits, '-').
var accountSuffix = 'ws${skip(workspaceId, max(length(workspaceId) - 4, 0))}'
var workspaceStageAccounts = [
  'stalimapp'
  'stalexint'
  'stalexip'
  'stalexrej'
  'stalexblocked'
]
// The accounts the airlock issues links to (import approved, export draft, export in review).
var linkedStageAccounts = [
  'stalimapp'
  'stalexint'
  'stalexip'
]
var roles = {
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageBlobDelegator: 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a'
}

module stageAccounts 'modules/stageStorageAccount.bicep' = [for role in workspaceStageAccounts: {
  name: take('stage-${role}-${workspaceId}', 64)
  params: {
    name: take(toLower(replace('${role}${accountSuffix}', '-', '')), 24)
    location: location
    external: false
    functionAppSubnetId: functionAppSubnetId
    privateEndpointSubnetId: privateEndpointSubnetId
    blobPrivateDnsZoneId: blobPrivateDnsZoneId
    malwareScanned: enableDefender && role == 'stalexip'
    logAnalyticsWorkspaceId: logAnalyticsWorkspaceId
    corsAllowedOrigins: contains(linkedStageAccounts, role) ? corsAllowedOrigins : []
    tags: tags
  }
}]

module stageAccountRoles 'modules/storageRoleAssignments.bicep' = [for (role, i) in workspaceStageAccounts: {
  name: take('rbac-${role}-${workspaceId}', 64)
  params: {
    storageAccountName: stageAccounts[i].outputs.name
    principalId: functionIdentityPrincipalId
    roleDefinitionIds: [
      roles.storageBlobDataContributor
      roles.storageBlobDelegator
    ]
  }
}]

// stalexip is index 2 of workspaceStageAccounts.
module defender 'modules/defenderForStorage.bicep' = if (enableDefender) {
  name: take('defender-stalexip-${workspaceId}', 64)
  params: {
    storageAccountName: stageAccounts[2].outputs.name
    scanResultsTopicId: scanResultsTopicId
    capGBPerMonth: defenderCapGBPerMonth
    logAnalyticsWorkspaceId: logAnalyticsWorkspaceId
  }
}

// /subscriptions/<s>/resourceGroups/<g>/providers/Microsoft.Network/virtualNetworks/<name>/subnets/<n>
var subnetIdParts = split(privateEndpointSubnetId, '/')
var workspaceVirtualNetworkId = join(take(subnetIdParts, 9), '/')
var connectToCore = !empty(coreVirtualNetworkId)
var linkBlobZone = connectToCore && !empty(blobPrivateDnsZoneId)
// ARM evaluates a module's scope even when the module is skipped: split an id that always has the parts.
var coreVirtualNetworkIdParts = split(connectToCore ? coreVirtualNetworkId : workspaceVirtualNetworkId, '/')
var blobZoneIdParts = split(linkBlobZone ? blobPrivateDnsZoneId : resourceGroup().id, '/')

module workspaceToCore 'modules/vnetPeering.bicep' = if (connectToCore) {
  name: take('peer-${workspaceId}-to-core', 64)
  scope: resourceGroup(subnetIdParts[2], subnetIdParts[4])
  params: {
    virtualNetworkName: subnetIdParts[8]
    remoteVirtualNetworkId: coreVirtualNetworkId
  }
}

module coreToWorkspace 'modules/vnetPeering.bicep' = if (connectToCore) {
  name: take('peer-core-to-${workspaceId}', 64)
  scope: resourceGroup(coreVirtualNetworkIdParts[2], coreVirtualNetworkIdParts[4])
  params: {
    virtualNetworkName: last(coreVirtualNetworkIdParts)
    remoteVirtualNetworkId: workspaceVirtualNetworkId
  }
}

// The workspace's machines resolve the stage accounts to their private endpoints.
module blobZoneLink 'modules/privateDnsZoneLink.bicep' = if (linkBlobZone) {
  name: take('dns-link-${workspaceId}', 64)
  scope: resourceGroup(blobZoneIdParts[2], blobZoneIdParts[4])
  params: {
    zoneName: last(blobZoneIdParts)
    virtualNetworkId: workspaceVirtualNetworkId
    tags: tags
  }
}

output stageAccounts array = [for (role, i) in workspaceStageAccounts: stageAccounts[i].outputs.name]
