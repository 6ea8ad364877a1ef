// Airlock TRE core: stub. The full deployment (Function App, stage accounts, Defender, Event Grid,
// Cosmos DB, role assignments) is issue #6.
@description('The TRE id: suffix of the core stage accounts (1-11 lower-case letters or digits).')
@maxLength(11)
param treId string

@description('Azure region for every resource.')
param location string = resourceGroup().location

output coreStageAccounts array = [
  'stalimex${treId}'
  'stalimip${treId}'
  'stalimrej${treId}'
  'stalimblocked${treId}'
  'stalexapp${treId}'
]
output location string = location
