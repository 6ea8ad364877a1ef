/**
 * The Event Grid half of the local host: `POST/OPTIONS /runtime/webhooks/eventgrid?functionName=<name>`,
 * the endpoint the Functions host opens for every eventGridTrigger, with the same answers: both
 * subscription-validation handshakes, one invocation per delivered event (all of a batch at once,
 * as the host runs them), 202 when every invocation succeeded and 500 when one threw, so the sender
 * delivers the batch again.
 *
 * Locally nothing sits between a publisher and this endpoint, so it also stands in for the topic:
 * a plain publish (as `EventGridPublisherClient` sends it, without `aeg-event-type`) counts as a
 * delivery and is answered 200 as a topic answers it, and the fields Event Grid stamps on delivery
 * (`topic`, `metadataVersion`) are added when absent. Any extra query parameter (the SDK appends `api-version`, Azure a `code`) is ignored.
 */
import { InvocationContext } from '@azure/functions';
import type { IncomingHttpHeaders } from 'node:http';
import { Registration } from './functionsCore';
import type { ExtraRoute, ExtraRouteResult } from './extraRoute';
import { formatLogLine, LocalLog } from './localLog';

export const EVENT_GRID_WEBHOOK_PATH = '/runtime/webhooks/eventgrid';

const SUBSCRIPTION_VALIDATION_EVENT_TYPE = 'Microsoft.EventGrid.SubscriptionValidationEvent';
/** What a topic created here would be called in Azure; stamped on events published without one. */
export const LOCAL_TOPIC = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.EventGrid/topics/local';
/** Event Grid's answer to the CloudEvents handshake when the request names no origin. */
const DEFAULT_WEBHOOK_ORIGIN = 'eventgrid.azure.net';

const CLOUD_EVENT_MEDIA_TYPES = ['application/cloudevents+json', 'application/cloudevents-batch+json'];

export interface EventGridDeliveryOptions {
  /** Looked up on every request, so functions registered after the host was created are found too. */
  registrations: Map<string, Registration>;
  /** The context an invocation gets: built exactly as the HTTP host builds it (bindings, durable client). */
  invocationContext(registration: Registration): InvocationContext;
  log: LocalLog;
}

export interface WebhookRequest {
  method: string;
  /** path and query, e.g. `/runtime/webhooks/eventgrid?functionName=x&api-version=2018-01-01` */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A JSON event as it is handed to the function: Event Grid schema or CloudEvents 1.0, fields as sent. */
type DeliveredEvent = Record<string, unknown>;

class BadDelivery extends Error {}

/** The webhook as routes of the HTTP host. */
export function eventGridWebhookRoutes(options: EventGridDeliveryOptions): ExtraRoute[] {
  const handle = (req: { method?: string; url?: string; headers: IncomingHttpHeaders }, body: Buffer) =>
    deliverEventGridRequest(options, { method: req.method ?? 'POST', url: req.url ?? EVENT_GRID_WEBHOOK_PATH, headers: req.headers, body });
  return [
    { method: 'POST', path: EVENT_GRID_WEBHOOK_PATH, handle },
    { method: 'OPTIONS', path: EVENT_GRID_WEBHOOK_PATH, handle },
  ];
}

export async function deliverEventGridRequest(options: EventGridDeliveryOptions, request: WebhookRequest): Promise<ExtraRouteResult> {
  const functionName = new URL(request.url, 'http://local-host.invalid').searchParams.get('functionName') ?? '';
  const registration = options.registrations.get(functionName);
  if (!registration || !Object.values(registration.bindings).some((binding) => binding.type === 'eventGridTrigger')) {
    return reply(404, { detail: `cannot find Event Grid function: '${functionName}'` });
  }

  if (request.method.toUpperCase() === 'OPTIONS') {
    // CloudEvents webhook validation: echo the origin, accept any rate.
    const origin = headerOf(request.headers, 'webhook-request-origin') ?? DEFAULT_WEBHOOK_ORIGIN;
    return { status: 200, headers: { 'webhook-allowed-origin': origin, 'webhook-allowed-rate': '*' } };
  }

  try {
    const eventType = headerOf(request.headers, 'aeg-event-type')?.toLowerCase();
    switch (eventType) {
      case 'subscriptionvalidation':
        options.log(formatLogLine('info', `eventgrid: subscription validation handshake for ${functionName}`));
        return reply(200, { validationResponse: validationCodeOf(parseJson(request.body)) });
      case 'unsubscribe':
        return { status: 202 };
      case 'notification':
        return await invokeForEach(options, registration, eventsOf(request), 202);
      case undefined:
        // A publish straight to this endpoint: answered as a topic answers (the SDK accepts only 200).
        return await invokeForEach(options, registration, eventsOf(request), 200);
      default:
        throw new BadDelivery(`aeg-event-type '${headerOf(request.headers, 'aeg-event-type')}' is not SubscriptionValidation, Notification or Unsubscribe`);
    }
  } catch (error) {
    if (error instanceof BadDelivery) return reply(400, { detail: error.message });
    throw error;
  }
}

/** Every event at once, as the Functions host runs a batch; one failure fails the delivery. */
async function invokeForEach(
  options: EventGridDeliveryOptions,
  registration: Registration,
  events: DeliveredEvent[],
  successStatus: 200 | 202,
): Promise<ExtraRouteResult> {
  const outcomes = await Promise.allSettled(events.map(async (event) => registration.handler(event, options.invocationContext(registration))));
  const failures = outcomes.flatMap((outcome, index) => (outcome.status === 'rejected' ? [{ id: events[index].id, error: outcome.reason as unknown }] : []));
  for (const failure of failures) {
    options.log(formatLogLine('error', `eventgrid: ${registration.name} failed on event ${String(failure.id)}`, failure.error));
  }
  if (failures.length) {
    return reply(500, { detail: `${registration.name} failed on ${failures.length} of ${events.length} events; deliver them again` });
  }
  return { status: successStatus };
}

/** The events of a notification, by the body's media type; each checked for the fields its schema requires. */
function eventsOf(request: WebhookRequest): DeliveredEvent[] {
  const mediaType = (headerOf(request.headers, 'content-type') ?? 'application/json').split(';')[0].trim().toLowerCase();
  const isCloudEvents = CLOUD_EVENT_MEDIA_TYPES.includes(mediaType);
  if (!isCloudEvents && mediaType !== 'application/json') {
    throw new BadDelivery(`content-type '${mediaType}' is neither application/json (Event Grid schema) nor a CloudEvents JSON type`);
  }
  const body = parseJson(request.body);
  const events = Array.isArray(body) ? body : [body];
  return events.map((event, index) => (isCloudEvents ? asCloudEvent(event, index) : asEventGridEvent(event, index)));
}

function asEventGridEvent(value: unknown, index: number): DeliveredEvent {
  const event = requireFields(value, index, ['id', 'eventType', 'subject', 'eventTime'], 'an Event Grid event');
  return { ...event, topic: event.topic ?? LOCAL_TOPIC, dataVersion: event.dataVersion ?? '', metadataVersion: event.metadataVersion ?? '1' };
}

function asCloudEvent(value: unknown, index: number): DeliveredEvent {
  return requireFields(value, index, ['id', 'source', 'type', 'specversion'], 'a CloudEvent');
}

function requireFields(value: unknown, index: number, fields: readonly string[], what: string): DeliveredEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BadDelivery(`event ${index} is not ${what} (not an object)`);
  const event = value as DeliveredEvent;
  const missing = fields.filter((field) => typeof event[field] !== 'string');
  if (missing.length) throw new BadDelivery(`event ${index} is not ${what}: missing ${missing.join(', ')}`);
  return event;
}

/** Event Grid schema: an array whose first event carries the code. CloudEvents: one event, its data possibly JSON text. */
function validationCodeOf(body: unknown): string {
  const event: unknown = Array.isArray(body) ? body[0] : body;
  if (typeof event !== 'object' || event === null) throw new BadDelivery('the validation request holds no event');
  const { eventType, type, data } = event as { eventType?: unknown; type?: unknown; data?: unknown };
  const declaredType = eventType ?? type;
  if (declaredType !== undefined && declaredType !== SUBSCRIPTION_VALIDATION_EVENT_TYPE) {
    throw new BadDelivery(`a validation request must carry a ${SUBSCRIPTION_VALIDATION_EVENT_TYPE}, not '${String(declaredType)}'`);
  }
  const payload: unknown = typeof data === 'string' ? safeParse(data) : data;
  const code = (payload as { validationCode?: unknown } | undefined)?.validationCode;
  if (typeof code !== 'string') throw new BadDelivery('the validation event has no data.validationCode');
  return code;
}

function parseJson(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (!text.trim()) throw new BadDelivery('the body is empty');
  try {
    return JSON.parse(text);
  } catch {
    throw new BadDelivery('the body is not valid JSON');
  }
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function reply(status: number, body: unknown): ExtraRouteResult {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(body) };
}
