// Links one private DNS zone (in this resource group) to one VNet, so that machines in the VNet resolve
// the private endpoint addresses registered in the zone.
@description('Name of the private DNS zone, e.g. privatelink.blob.core.windows.net.')
param zoneName string

@description('Resource id of the VNet to link.')
param virtualNetworkId string

@description('Tags for the resource.')
param tags object = {}

resource zone 'Microsoft.Network/privateDnsZones@2024-06-01' existing = {
  name: zoneName
}

resource link 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = {
  parent: zone
  // One link per VNet and zone; the VNet's own name may repeat across resource groups.
  name: 'link-${uniqueString(virtualNetworkId)}'
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: virtualNetworkId
    }
  }
}
