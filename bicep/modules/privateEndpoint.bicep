// A private endpoint for one sub-resource (blob, Sql, ...) of one resource, with an optional DNS zone group.
@description('Name of the private endpoint.')
param name string

@description('Azure region of the private endpoint (the region of its subnet).')
param location string

@description('Resource id of the subnet the private endpoint gets its address from.')
param subnetId string

@description('Resource id of the resource the endpoint connects to.')
param targetResourceId string

@description('The sub-resource (group id) to connect to, e.g. blob or Sql.')
param groupId string

@description('Resource id of the private DNS zone to register the endpoint in (e.g. privatelink.blob.core.windows.net). Empty: no DNS zone group; DNS is then managed elsewhere.')
param privateDnsZoneId string = ''

@description('Tags for the resource.')
param tags object = {}

resource privateEndpoint 'Microsoft.Network/privateEndpoints@2024-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    subnet: {
      id: subnetId
    }
    privateLinkServiceConnections: [
      {
        name: name
        properties: {
          privateLinkServiceId: targetResourceId
          groupIds: [
            groupId
          ]
        }
      }
    ]
  }
}

resource dnsZoneGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-05-01' = if (!empty(privateDnsZoneId)) {
  parent: privateEndpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: replace(last(split(privateDnsZoneId, '/')), '.', '-')
        properties: {
          privateDnsZoneId: privateDnsZoneId
        }
      }
    ]
  }
}

output id string = privateEndpoint.id
