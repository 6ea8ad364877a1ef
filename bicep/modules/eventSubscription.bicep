// One event subscription on a custom topic, delivering either to an Azure Function (endpointType
// AzureFunction: no key, no validation handshake; the function must already be published) or to a
// webhook (e.g. a Logic App that sends notifications). Undelivered events are dead-lettered to blob storage.
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

@description('Resource id of the storage account that keeps the events whose delivery failed for good (written with the topic\'s system identity).')
param deadLetterStorageAccountId string

@description('Container in that account for this subscription\'s undelivered events.')
param deadLetterContainerName string

@description('Delivery attempts before the event is dead-lettered (1-30).')
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
    // Nothing is dropped silently: what still fails after the retries (or the day above) is kept.
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: deadLetterStorageAccountId
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
}

output id string = subscription.id
