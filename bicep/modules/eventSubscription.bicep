// One event subscription on a custom topic, delivering either to an Azure Function (endpointType
// AzureFunction: no key, no validation handshake; the function must already be published) or to a
// webhook (e.g. a Logic App that sends notifications).
@description('Name of the custom topic (in this resource group).')
param topicName string

@description('Name of the event subscription.')
param name string

@description('AzureFunction: endpoint is the function resource id (<functionAppId>/functions/<name>). WebHook: endpoint is an https URL.')
@allowed([
  'AzureFunction'
  'WebHook'
])
param endpointType string

@description('Function resource id or webhook URL. Secure: a webhook URL may carry a key.')
@secure()
param endpoint string

@description('Event types to deliver; empty: all.')
param includedEventTypes array = []

@description('Event Grid advanced filters, e.g. [{ operatorType: \'StringIn\', key: \'data.status\', values: [\'in_review\'] }].')
param advancedFilters array = []

@description('Schema of the delivered events; CloudEventSchemaV1_0 only for a CloudEvents topic.')
@allowed([
  'EventGridSchema'
  'CloudEventSchemaV1_0'
])
param eventDeliverySchema string

@description('Delivery attempts before the event is dropped (1-30).')
@minValue(1)
@maxValue(30)
param maxDeliveryAttempts int = 30

resource topic 'Microsoft.EventGrid/topics@2025-02-15' existing = {
  name: topicName
}

var functionDestination = {
  endpointType: 'AzureFunction'
  properties: {
    resourceId: endpoint
    maxEventsPerBatch: 1
    preferredBatchSizeInKilobytes: 64
  }
}

var webhookDestination = {
  endpointType: 'WebHook'
  properties: {
    endpointUrl: endpoint
    maxEventsPerBatch: 1
    preferredBatchSizeInKilobytes: 64
  }
}

resource subscription 'Microsoft.EventGrid/topics/eventSubscriptions@2025-02-15' = {
  parent: topic
  name: name
  properties: {
    destination: endpointType == 'AzureFunction' ? functionDestination : webhookDestination
    eventDeliverySchema: eventDeliverySchema
    filter: {
      includedEventTypes: empty(includedEventTypes) ? null : includedEventTypes
      advancedFilters: advancedFilters
    }
    retryPolicy: {
      maxDeliveryAttempts: maxDeliveryAttempts
      eventTimeToLiveInMinutes: 1440
    }
  }
}

output id string = subscription.id
