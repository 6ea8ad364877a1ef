import { AzureKeyCredential, EventGridPublisherClient, EventGridPublisherClientOptions, SendCloudEventInput } from '@azure/eventgrid';
import type { TokenCredential } from '@azure/identity';
import { ConfigError } from '../../config';
import { AirlockCloudEvent, AirlockEventData } from '../../domain/airlockEvents';
import { EventPublisher } from './eventPublisher';

/** Event Grid accepts at most 1 MB per publish; the rest is headroom for what the SDK adds (specversion, traceparent). */
const MAX_BATCH_BYTES = 900 * 1024;
const MAX_BATCH_EVENTS = 100;
/** Per event: the `specversion` and tracing attributes the SDK adds, and the comma between events. */
const SDK_OVERHEAD_BYTES = 200;

/**
 * Publishes to an Event Grid custom topic whose input schema is CloudEvents 1.0: with the topic's
 * access key, or with a managed identity holding "EventGrid Data Sender" on the topic. A plain
 * http endpoint (the local host's stand-in topic) is allowed, and then only with a key, because the
 * SDK refuses to send a bearer token without TLS.
 */
export class EventGridEventPublisher implements EventPublisher {
  readonly description: string;
  private readonly client: EventGridPublisherClient<'CloudEvent'>;

  constructor(endpoint: string, credential: { key: string } | TokenCredential, clientOptions: EventGridPublisherClientOptions = {}) {
    const url = new URL(endpoint);
    const insecure = url.protocol === 'http:';
    const byKey = 'key' in credential;
    if (insecure && !byKey) {
      throw new ConfigError([`AIRLOCK_EVENTS_TOPIC_ENDPOINT ${url.origin} is plain http, where a managed identity cannot authenticate: set AIRLOCK_EVENTS_TOPIC_KEY or use https`]);
    }
    this.client = new EventGridPublisherClient(endpoint, 'CloudEvent', byKey ? new AzureKeyCredential(credential.key) : credential, {
      ...clientOptions,
      allowInsecureConnection: insecure,
    });
    this.description = `Event Grid topic ${url.host} (CloudEvents, ${byKey ? 'access key' : 'managed identity'})`;
  }

  /**
   * Batches go out one after another; when one fails the call throws, and the caller's retry sends
   * every batch again. Batches already accepted are then published twice, with the same ids, which
   * consumers drop as duplicates.
   */
  async publish(events: readonly AirlockCloudEvent[]): Promise<void> {
    for (const batch of batchesOf(events)) await this.client.send(batch.map(toSendInput));
  }
}

/** Consecutive runs of at most MAX_BATCH_EVENTS events and MAX_BATCH_BYTES; an event larger than that goes alone, for the topic to judge. */
export function batchesOf(events: readonly AirlockCloudEvent[]): AirlockCloudEvent[][] {
  const batches: AirlockCloudEvent[][] = [];
  let current: AirlockCloudEvent[] = [];
  let currentBytes = 0;
  for (const event of events) {
    const bytes = Buffer.byteLength(JSON.stringify(event)) + SDK_OVERHEAD_BYTES;
    if (current.length > 0 && (current.length >= MAX_BATCH_EVENTS || currentBytes + bytes > MAX_BATCH_BYTES)) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(event);
    currentBytes += bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

function toSendInput(event: AirlockCloudEvent): SendCloudEventInput<AirlockEventData> {
  return {
    id: event.id,
    source: event.source,
    type: event.type,
    subject: event.subject,
    // The SDK takes a Date and writes it back as ISO 8601.
    time: new Date(event.time),
    datacontenttype: event.datacontenttype,
    data: event.data,
  };
}
