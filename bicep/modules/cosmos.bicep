// Cosmos DB for NoSQL, serverless, local (key) auth off, with the database and containers the code
// uses (src/infra/cosmosRequestStore.ts, src/infra/cosmosWorkspaceRegistry.ts). The containers must
// exist: the function identity's data-plane role cannot create them, and the code only creates what
// is missing.
@description('Cosmos DB account name (globally unique, 3-44 lower-case letters, digits, \'-\').')
@minLength(3)
@maxLength(44)
param name string

@description('Azure region of the account (serverless: one region).')
param location string

@description('Database name (AIRLOCK_COSMOS_DATABASE).')
param databaseName string = 'airlock'

@description('Container of the airlock requests (AIRLOCK_COSMOS_CONTAINER), partitioned by /workspaceId.')
param requestsContainerName string = 'requests'

@description('Principal id of the function identity: Cosmos DB Built-in Data Contributor on the account.')
param dataContributorPrincipalId string

@description('Subnet for the Sql private endpoint; public network access is disabled.')
param privateEndpointSubnetId string

@description('Resource id of the privatelink.documents.azure.com private DNS zone. Empty: DNS is managed elsewhere.')
param privateDnsZoneId string = ''

@description('Tags for the resources.')
param tags object = {}

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' = {
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    capabilities: [
      {
        name: 'EnableServerless'
      }
    ]
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: 'Disabled'
    backupPolicy: {
      type: 'Continuous'
      continuousModeProperties: {
        tier: 'Continuous7Days'
      }
    }
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-11-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
  }
}

resource requests 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = {
  parent: database
  name: requestsContainerName
  properties: {
    resource: {
      id: requestsContainerName
      partitionKey: {
        paths: [
          '/workspaceId'
        ]
        kind: 'Hash'
        version: 2
      }
    }
  }
}

resource workspaces 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = {
  parent: database
  name: 'workspaces'
  properties: {
    resource: {
      id: 'workspaces'
      partitionKey: {
        paths: [
          '/id'
        ]
        kind: 'Hash'
        version: 2
      }
    }
  }
}

// Cosmos DB Built-in Data Contributor, a data-plane role (not an Azure RBAC role). Scoped to the account,
// which holds only the airlock database: the SDK reads account metadata when it connects.
resource dataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-11-15' = {
  parent: account
  name: guid(account.id, dataContributorPrincipalId, '00000000-0000-0000-0000-000000000002')
  properties: {
    principalId: dataContributorPrincipalId
    roleDefinitionId: '${account.id}/sqlRoleDefinitions/00000000-0000-0000-0000-000000000002'
    scope: account.id
  }
}

module privateEndpoint 'privateEndpoint.bicep' = {
  name: 'pe-${name}'
  params: {
    name: 'pe-${name}-sql'
    location: location
    subnetId: privateEndpointSubnetId
    targetResourceId: account.id
    groupId: 'Sql'
    privateDnsZoneId: privateDnsZoneId
    tags: tags
  }
}

output name string = account.name
output endpoint string = account.properties.documentEndpoint
output databaseName string = database.name
output requestsContainerName string = requests.name
output workspacesContainerName string = workspaces.name
