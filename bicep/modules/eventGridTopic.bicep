// A custom Event Grid topic with local (key) auth off: publishers need Entra ID and the
// EventGrid Data Sender role, which this module grants to the given principals.
@description('Name of the topic.')
param name string

@description('Azure region of the topic.')
param location string

@description('Input schema: EventGridSchema for the Defender scan-result topic, CloudEventSchemaV1_0 for the airlock events topic.')
@allowed([
  'EventGridSchema'
  'CloudEventSchemaV1_0'
])
param inputSchema string

@description('Public network access. The Defender scan-result topic must keep it on (Defender cannot deliver to a private topic).')
param publicNetworkAccess bool = true

@description('Principal ids that may publish to the topic (EventGrid Data Sender).')
param senderPrincipalIds array = []

@description('Tags for the resources.')
param tags object = {}

var eventGridDataSenderRoleId = 'd5a91429-5739-47e2-a06b-3470a27159e7'

resource topic 'Microsoft.EventGrid/topics@2025-02-15' = {
  name: name
  location: location
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    inputSchema: inputSchema
    disableLocalAuth: true
    publicNetworkAccess: publicNetworkAccess ? 'Enabled' : 'Disabled'
    minimumTlsVersionAllowed: '1.2'
  }
}

resource senders 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for principalId in senderPrincipalIds: {
  name: guid(topic.id, principalId, eventGridDataSenderRoleId)
  scope: topic
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', eventGridDataSenderRoleId)
  }
}]

output id string = topic.id
output name string = topic.name
output endpoint string = topic.properties.endpoint
@description('Object id of the topic\'s system identity (dead-lettering writes with it).')
output principalId string = topic.identity.principalId
