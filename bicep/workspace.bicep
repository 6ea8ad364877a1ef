// Airlock: one workspace. Deploys the five workspace stage accounts (stalimapp, stalexint, stalexip,
// stalexrej, stalexblocked), all private (public network access disabled, one blob private endpoint
// each in the workspace subnet), gives the core Function App identity its roles on them, and turns on
// Defender on-upload scanning of the export in-progress account (stalexip) with results to the core
// scan-result topic. Deploy into the workspace's resource group, after main.bicep.
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

@description('Subnet of the workspace VNet for the private endpoints of the stage accounts. The workspace VNet must be peered with the core VNet so the Function App reaches them.')
param privateEndpointSubnetId string

@description('Resource id of the privatelink.blob.<storage suffix> private DNS zone (usually the core one, linked to the core and workspace VNets). Empty: DNS is managed elsewhere.')
param blobPrivateDnsZoneId string = ''

@description('Turn on Defender for Storage on-upload scanning of stalexip (true when the core uses AIRLOCK_SCANNER=defender).')
param enableDefender bool = true

@description('Defender on-upload scanning cap for stalexip per month in GB (-1: no cap).')
param defenderCapGBPerMonth int = 5000

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
var roles = {
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageBlobDelegator: 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a'
}

module stageAccounts 'modules/stageStorageAccount.bicep' = [for role in workspaceStageAccounts: {
  name: 'stage-${role}-${workspaceId}'
  params: {
    name: take(toLower(replace('${role}${accountSuffix}', '-', '')), 24)
    location: location
    publicNetworkAccess: false
    privateEndpointSubnetId: privateEndpointSubnetId
    blobPrivateDnsZoneId: blobPrivateDnsZoneId
    tags: tags
  }
}]

module stageAccountRoles 'modules/storageRoleAssignments.bicep' = [for (role, i) in workspaceStageAccounts: {
  name: 'rbac-${role}-${workspaceId}'
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
  name: 'defender-stalexip-${workspaceId}'
  params: {
    storageAccountName: stageAccounts[2].outputs.name
    scanResultsTopicId: scanResultsTopicId
    capGBPerMonth: defenderCapGBPerMonth
  }
}

output stageAccounts array = [for (role, i) in workspaceStageAccounts: stageAccounts[i].outputs.name]
