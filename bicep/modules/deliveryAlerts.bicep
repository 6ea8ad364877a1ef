// Mail to operators when Event Grid gives up on a delivery (dead-lettered or dropped) or refuses a
// publish: a scan verdict that never reached the airlock leaves a request waiting until it fails
// closed, and a lost event means a notification nobody received.
@description('Base name of the alert resources.')
param baseName string

@description('Mail addresses to alert (main.bicep skips the module when there are none).')
param emailAddresses array

@description('Resource ids of the Event Grid topics to watch.')
param topicIds array

@description('Tags for the resources.')
param tags object = {}

// Metrics of Microsoft.EventGrid/topics that mean something was not delivered.
var failureMetrics = [
  'DeadLetteredCount'
  'DroppedEventCount'
  'PublishFailCount'
]
// One alert per topic and metric: the conditions of one metric alert must all hold at once.
var watches = flatten(map(topicIds, topicId => map(failureMetrics, metric => {
  topicId: topicId
  metric: metric
})))

resource operators 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-${baseName}-operators'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'airlockops'
    enabled: true
    emailReceivers: [for (address, i) in emailAddresses: {
      name: 'operator-${i}'
      emailAddress: address
      useCommonAlertSchema: true
    }]
  }
}

resource alerts 'Microsoft.Insights/metricAlerts@2018-03-01' = [for watch in watches: {
  name: 'alert-${last(split(watch.topicId, '/'))}-${watch.metric}'
  location: 'global'
  tags: tags
  properties: {
    description: 'Event Grid did not deliver or accept an airlock event: see the dead-letter container and docs/deploy.md.'
    severity: 1
    enabled: true
    scopes: [
      watch.topicId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: watch.metric
          metricName: watch.metric
          metricNamespace: 'Microsoft.EventGrid/topics'
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Total'
        }
      ]
    }
    actions: [
      {
        actionGroupId: operators.id
      }
    ]
  }
}]
