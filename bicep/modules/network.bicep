// The core network, for a deployment that has none of its own (createNetwork=true in main.bicep): one
// VNet with a subnet for the Function App's VNet integration (delegated to Microsoft.App/environments,
// as Flex Consumption requires) and a subnet for every private endpoint of the core (private stage
// accounts, the app's own storage, Cosmos DB). A TRE whose core already has a VNet passes its subnets
// to main.bicep instead.
@description('Name of the virtual network.')
param name string

@description('Azure region of the network.')
param location string

@description('Address space of the VNet (a /24 or larger).')
param addressPrefix string

@description('Subnet for VNet integration of the Function App (a /27 or larger; Flex Consumption).')
param functionAppSubnetPrefix string

@description('Subnet for private endpoints.')
param privateEndpointSubnetPrefix string

@description('Tags for the resources.')
param tags object = {}

// The app's outbound traffic to the internet (Entra ID signing keys, the Event Grid topic endpoints,
// SMTP) leaves through this NAT gateway: one known address, and no reliance on default outbound access,
// which new subnets no longer get.
resource egressAddress 'Microsoft.Network/publicIPAddresses@2024-05-01' = {
  name: 'pip-${name}-egress'
  location: location
  tags: tags
  sku: {
    name: 'Standard'
  }
  properties: {
    publicIPAllocationMethod: 'Static'
    publicIPAddressVersion: 'IPv4'
  }
}

resource natGateway 'Microsoft.Network/natGateways@2024-05-01' = {
  name: 'ng-${name}'
  location: location
  tags: tags
  sku: {
    name: 'Standard'
  }
  properties: {
    idleTimeoutInMinutes: 4
    publicIpAddresses: [
      {
        id: egressAddress.id
      }
    ]
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        name: 'snet-airlock-function'
        properties: {
          addressPrefix: functionAppSubnetPrefix
          delegations: [
            {
              name: 'flex-consumption'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
          // The internal stage accounts' firewalls admit this subnet through the service endpoint.
          serviceEndpoints: [
            {
              service: 'Microsoft.Storage'
            }
          ]
          natGateway: {
            id: natGateway.id
          }
          defaultOutboundAccess: false
        }
      }
      {
        name: 'snet-airlock-private-endpoints'
        properties: {
          addressPrefix: privateEndpointSubnetPrefix
          privateEndpointNetworkPolicies: 'Disabled'
          defaultOutboundAccess: false
        }
      }
    ]
  }
}

output id string = vnet.id
output egressIpAddress string = egressAddress.properties.ipAddress
output functionAppSubnetId string = vnet.properties.subnets[0].id
output privateEndpointSubnetId string = vnet.properties.subnets[1].id
