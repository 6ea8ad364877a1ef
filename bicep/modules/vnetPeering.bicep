// One direction of a VNet peering: from the VNet named here (in this resource group) to a remote one.
// A peering works once both directions exist; workspace.bicep deploys both.
@description('Name of the local VNet (in this resource group).')
param virtualNetworkName string

@description('Resource id of the remote VNet.')
param remoteVirtualNetworkId string

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' existing = {
  name: virtualNetworkName
}

resource peering 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings@2024-05-01' = {
  parent: vnet
  // VNet names repeat across resource groups: the id makes the name unique.
  name: 'peer-${take(last(split(remoteVirtualNetworkId, '/')), 40)}-${uniqueString(remoteVirtualNetworkId)}'
  properties: {
    remoteVirtualNetwork: {
      id: remoteVirtualNetworkId
    }
    allowVirtualNetworkAccess: true
    // The airlock needs only direct traffic between the two VNets: no transit through either.
    allowForwardedTraffic: false
    allowGatewayTransit: false
    useRemoteGateways: false
  }
}
