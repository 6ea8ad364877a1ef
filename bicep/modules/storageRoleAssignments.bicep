// Role assignments of one principal on one storage account (in this resource group).
@description('Name of the storage account.')
param storageAccountName string

@description('Object (principal) id of the identity that receives the roles.')
param principalId string

@description('Built-in role definition ids (GUIDs) to assign on the account.')
param roleDefinitionIds array

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource assignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for roleId in roleDefinitionIds: {
  name: guid(account.id, principalId, roleId)
  scope: account
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
  }
}]
