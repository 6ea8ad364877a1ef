// The private DNS zones the core's private endpoints register in (blob, queue and table for the
// storage accounts, documents for Cosmos DB), each linked to the core VNet so the Function App
// resolves the private addresses. Workspace VNets are linked to the blob zone by workspace.bicep.
@description('Resource id of the VNet to link the zones to.')
param virtualNetworkId string

@description('Tags for the resources.')
param tags object = {}

var storageSuffix = environment().suffixes.storage
// In this order: the outputs below index it.
var zoneNames = [
  'privatelink.blob.${storageSuffix}'
  'privatelink.queue.${storageSuffix}'
  'privatelink.table.${storageSuffix}'
  'privatelink.documents.azure.com'
]

resource zone 'Microsoft.Network/privateDnsZones@2024-06-01' = [for zoneName in zoneNames: {
  name: zoneName
  location: 'global'
  tags: tags
}]

module link 'privateDnsZoneLink.bicep' = [for (zoneName, i) in zoneNames: {
  name: 'dns-link-${i}'
  params: {
    zoneName: zone[i].name
    virtualNetworkId: virtualNetworkId
    tags: tags
  }
}]

output blobZoneId string = zone[0].id
output queueZoneId string = zone[1].id
output tableZoneId string = zone[2].id
output cosmosZoneId string = zone[3].id
