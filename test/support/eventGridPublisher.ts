/**
 * Publishes events to an eventGridTrigger function of the local host with the real
 * `@azure/eventgrid` client, as a topic's publisher would: the host's webhook stands in for the topic.
 */
import { AzureKeyCredential, EventGridPublisherClient, SendCloudEventInput, SendEventGridEventInput } from '@azure/eventgrid';
import { EVENT_GRID_WEBHOOK_PATH } from '../../src/local/eventGridDelivery';

/** The webhook URL of one function; the SDK appends `?api-version=...` to it, which the host ignores. */
export function eventGridWebhookUrl(origin: string, functionName: string): string {
  return `${origin}${EVENT_GRID_WEBHOOK_PATH}?functionName=${encodeURIComponent(functionName)}`;
}

export async function publishToLocalHost(origin: string, functionName: string, events: SendEventGridEventInput<unknown>[], schema: 'EventGrid'): Promise<void>;
export async function publishToLocalHost(origin: string, functionName: string, events: SendCloudEventInput<unknown>[], schema: 'CloudEvent'): Promise<void>;
export async function publishToLocalHost(
  origin: string,
  functionName: string,
  events: SendEventGridEventInput<unknown>[] | SendCloudEventInput<unknown>[],
  schema: 'EventGrid' | 'CloudEvent',
): Promise<void> {
  const url = eventGridWebhookUrl(origin, functionName);
  // The local host speaks plain http, over which the SDK sends a key only when told it may. No
  // retries: a test wants to see a failed delivery, not the SDK's attempts to get past it.
  const options = { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } };
  if (schema === 'EventGrid') {
    await new EventGridPublisherClient(url, 'EventGrid', new AzureKeyCredential('local'), options).send(events as SendEventGridEventInput<unknown>[]);
  } else {
    await new EventGridPublisherClient(url, 'CloudEvent', new AzureKeyCredential('local'), options).send(events as SendCloudEventInput<unknown>[]);
  }
}
