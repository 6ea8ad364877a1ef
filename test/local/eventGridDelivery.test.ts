import { app, EventGridEvent, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { LocalDurableBackend } from '../../src/local/durableBackend';
import { EVENT_GRID_WEBHOOK_PATH, LOCAL_TOPIC } from '../../src/local/eventGridDelivery';
import { registrations } from '../../src/local/functionsCore';
import { createHttpHost, HttpHost } from '../../src/local/httpHost';
import { eventGridWebhookUrl, publishToLocalHost } from '../support/eventGridPublisher';

// ---- toy functions (names unique to this file) -------------------------------------------------

interface Invocation {
  event: Record<string, unknown>;
  functionName: string;
  trigger: string;
  extraInputTypes: string[];
}

const invocations: Invocation[] = [];
const record = (event: unknown, context: InvocationContext) =>
  invocations.push({
    event: event as Record<string, unknown>,
    functionName: context.functionName,
    trigger: context.options.trigger.type,
    extraInputTypes: context.options.extraInputs.map((input) => input.type),
  });

app.eventGrid('egToyRecorder', { handler: (event, context) => void record(event, context) });

app.eventGrid('egToyFailing', {
  handler: async (event, context) => {
    record(event, context);
    if ((event.data as { fail?: boolean } | undefined)?.fail) throw new Error('the toy refuses this event');
  },
});

df.app.orchestration('egToyFlow', function* (context) {
  const scanned: { name: string } = yield context.df.waitForExternalEvent('Scanned');
  return scanned.name;
});

df.app.client.eventGrid('egToyDurable', {
  handler: async (event: EventGridEvent, client: df.DurableClient, context: InvocationContext) => {
    record(event, context);
    await client.raiseEvent(event.subject, 'Scanned', event.data);
  },
});

app.http('egToyHttp', { methods: ['POST'], route: 'eg-toy', handler: async () => ({ status: 204 }) });

// ---- host ---------------------------------------------------------------------------------------

const logs: string[] = [];
let durable: LocalDurableBackend;
let host: HttpHost;
let origin: string;

beforeAll(async () => {
  durable = new LocalDurableBackend({ registrations, log: (line) => logs.push(line) });
  host = createHttpHost({ registrations, durable, log: (line) => logs.push(line) });
  origin = await host.listen(0);
});

afterAll(async () => {
  await host.close();
  await durable.stop();
});

beforeEach(() => {
  invocations.length = 0;
});

const webhook = (functionName: string, extraQuery = '') => `${eventGridWebhookUrl(origin, functionName)}${extraQuery}`;

function post(url: string, body: unknown, headers: Record<string, string>) {
  return fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

const eventGridEvent = (id: string, data: unknown) => ({
  id,
  topic: '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.EventGrid/topics/scan-results',
  subject: `storageAccounts/acct/containers/c1/blobs/${id}.csv`,
  eventType: 'Microsoft.Security.MalwareScanningResult',
  eventTime: '2026-01-02T03:04:05.6789012Z',
  data,
  dataVersion: '1.0',
  metadataVersion: '1',
});

// ---- handshakes ---------------------------------------------------------------------------------

test('Event Grid schema handshake: SubscriptionValidation is answered with the validation code, no invocation', async () => {
  const response = await post(
    webhook('egToyRecorder'),
    [
      {
        id: 'v1',
        topic: '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.EventGrid/topics/scan-results',
        subject: '',
        eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
        eventTime: '2026-01-02T03:04:05Z',
        data: { validationCode: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6', validationUrl: 'https://rp-eastus2.eventgrid.azure.net/validate?id=x' },
        dataVersion: '2',
        metadataVersion: '1',
      },
    ],
    { 'content-type': 'application/json', 'aeg-event-type': 'SubscriptionValidation' },
  );
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' });
  expect(invocations).toEqual([]);
});

test('a validation request without a code, or with another event type, is a 400', async () => {
  const headers = { 'content-type': 'application/json', 'aeg-event-type': 'SubscriptionValidation' };
  expect((await post(webhook('egToyRecorder'), [{ eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', data: {} }], headers)).status).toBe(400);
  expect((await post(webhook('egToyRecorder'), [{ eventType: 'Something.Else', data: { validationCode: 'x' } }], headers)).status).toBe(400);
});

test('CloudEvents handshake: OPTIONS echoes WebHook-Request-Origin and allows any rate', async () => {
  const response = await fetch(webhook('egToyRecorder'), { method: 'OPTIONS', headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' } });
  expect(response.status).toBe(200);
  expect(response.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
  expect(response.headers.get('webhook-allowed-rate')).toBe('*');
  expect(invocations).toEqual([]);
});

test('Unsubscribe is acknowledged without an invocation', async () => {
  const response = await post(webhook('egToyRecorder'), [], { 'content-type': 'application/json', 'aeg-event-type': 'Unsubscribe' });
  expect(response.status).toBe(202);
  expect(invocations).toEqual([]);
});

// ---- notifications ------------------------------------------------------------------------------

test('an Event Grid schema batch of 2 is 2 invocations, each with the event as the host hands it over', async () => {
  const batch = [eventGridEvent('e1', { blobUri: 'https://acct.blob.core.windows.net/c1/e1.csv' }), eventGridEvent('e2', { n: 2 })];
  const response = await post(webhook('egToyRecorder', '&code=system-key'), batch, { 'content-type': 'application/json', 'aeg-event-type': 'Notification' });
  expect(response.status).toBe(202);
  expect(invocations).toHaveLength(2);
  expect(invocations.map((invocation) => invocation.event).sort((a, b) => String(a.id).localeCompare(String(b.id)))).toEqual(batch);
  for (const invocation of invocations) {
    expect(invocation).toMatchObject({ functionName: 'egToyRecorder', trigger: 'eventGridTrigger' });
    // Exactly Event Grid's fields, the time still the string that was sent.
    expect(Object.keys(invocation.event).sort()).toEqual(['data', 'dataVersion', 'eventTime', 'eventType', 'id', 'metadataVersion', 'subject', 'topic']);
    expect(invocation.event.eventTime).toBe('2026-01-02T03:04:05.6789012Z');
  }
});

test('a single Event Grid event (not in an array) is delivered too', async () => {
  const response = await post(webhook('egToyRecorder'), eventGridEvent('single', {}), { 'content-type': 'application/json', 'aeg-event-type': 'Notification' });
  expect(response.status).toBe(202);
  expect(invocations.map((invocation) => invocation.event.id)).toEqual(['single']);
});

test('a CloudEvents batch is one invocation per event, with the CloudEvents fields', async () => {
  const batch = [
    { id: 'c1', source: '/airlock/test', type: 'Airlock.Toy', subject: 'one', time: '2026-01-02T03:04:05Z', specversion: '1.0', data: { n: 1 } },
    { id: 'c2', source: '/airlock/test', type: 'Airlock.Toy', subject: 'two', time: '2026-01-02T03:04:06Z', specversion: '1.0', data: { n: 2 } },
  ];
  const response = await post(webhook('egToyRecorder'), batch, { 'content-type': 'application/cloudevents-batch+json; charset=utf-8', 'aeg-event-type': 'Notification' });
  expect(response.status).toBe(202);
  expect(invocations.map((invocation) => invocation.event).sort((a, b) => String(a.id).localeCompare(String(b.id)))).toEqual(batch);
});

test('a single CloudEvent (application/cloudevents+json) published without aeg-event-type is delivered, answered 200 as a topic would', async () => {
  const event = { id: 'c3', source: '/airlock/test', type: 'Airlock.Toy', specversion: '1.0', data: 'text' };
  const response = await post(webhook('egToyRecorder'), event, { 'content-type': 'application/cloudevents+json' });
  expect(response.status).toBe(200);
  expect(invocations.map((invocation) => invocation.event)).toEqual([event]);
});

test('published with the real EventGridPublisherClient (Event Grid schema): the fields Event Grid stamps are added', async () => {
  await publishToLocalHost(
    origin,
    'egToyRecorder',
    [
      { id: 'p1', subject: 'requests/r1', eventType: 'Airlock.Toy', dataVersion: '1.0', data: { n: 1 }, eventTime: new Date('2026-01-02T03:04:05Z') },
      { id: 'p2', subject: 'requests/r2', eventType: 'Airlock.Toy', dataVersion: '1.0', data: { n: 2 }, topic: '/my/topic' },
    ],
    'EventGrid',
  );
  // The SDK appends its api-version to the webhook's own query; the host ignores it.
  expect(logs.some((line) => line.includes(`POST ${EVENT_GRID_WEBHOOK_PATH}?functionName=egToyRecorder&api-version=2018-01-01 → 200`))).toBe(true);
  const byId = new Map(invocations.map((invocation) => [invocation.event.id, invocation.event]));
  expect(byId.get('p1')).toEqual({
    id: 'p1',
    subject: 'requests/r1',
    eventType: 'Airlock.Toy',
    eventTime: '2026-01-02T03:04:05.000Z',
    data: { n: 1 },
    dataVersion: '1.0',
    topic: LOCAL_TOPIC,
    metadataVersion: '1',
  });
  expect(byId.get('p2')).toMatchObject({ topic: '/my/topic', metadataVersion: '1', data: { n: 2 } });
});

test('published with the real EventGridPublisherClient (CloudEvents)', async () => {
  await publishToLocalHost(origin, 'egToyRecorder', [{ source: '/airlock/test', type: 'Airlock.Toy', subject: 'r1', data: { n: 1 } }], 'CloudEvent');
  expect(invocations).toHaveLength(1);
  expect(invocations[0].event).toMatchObject({ source: '/airlock/test', type: 'Airlock.Toy', subject: 'r1', specversion: '1.0', data: { n: 1 } });
  expect(typeof invocations[0].event.id).toBe('string');
  expect(typeof invocations[0].event.time).toBe('string');
});

test('a durable client function gets its DurableClient, as an HTTP function does', async () => {
  await durable.startNew('egToyFlow', { instanceId: 'eg-flow-1' });
  await durable.idle();
  await publishToLocalHost(origin, 'egToyDurable', [{ subject: 'eg-flow-1', eventType: 'Toy.Scanned', dataVersion: '1.0', data: { name: 'a.csv' } }], 'EventGrid');
  await durable.idle();
  expect(invocations[0].extraInputTypes).toEqual(['durableClient']);
  expect(durable.getStatus('eg-flow-1')).toMatchObject({ runtimeStatus: 'Completed', output: 'a.csv' });
});

// ---- errors -------------------------------------------------------------------------------------

test('an unknown function, or one that is not an eventGridTrigger, is a 404', async () => {
  const headers = { 'content-type': 'application/json', 'aeg-event-type': 'Notification' };
  expect((await post(webhook('noSuchFunction'), [eventGridEvent('x', {})], headers)).status).toBe(404);
  expect((await post(webhook('egToyHttp'), [eventGridEvent('x', {})], headers)).status).toBe(404);
  expect((await post(`${origin}${EVENT_GRID_WEBHOOK_PATH}`, [eventGridEvent('x', {})], headers)).status).toBe(404);
  expect((await fetch(webhook('noSuchFunction'), { method: 'OPTIONS', headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' } })).status).toBe(404);
  await expect(publishToLocalHost(origin, 'noSuchFunction', [{ subject: 's', eventType: 't', dataVersion: '1', data: {} }], 'EventGrid')).rejects.toMatchObject({
    statusCode: 404,
  });
  expect(invocations).toEqual([]);
});

test.each([
  ['a body that is not JSON', '{not json', { 'content-type': 'application/json' }],
  ['an empty body', '', { 'content-type': 'application/json' }],
  ['an event that is not an object', [42], { 'content-type': 'application/json' }],
  ['an Event Grid event without eventType', [{ id: 'x', subject: 's', eventTime: '2026-01-01T00:00:00Z' }], { 'content-type': 'application/json' }],
  ['a CloudEvent without source', [{ id: 'x', type: 't', specversion: '1.0' }], { 'content-type': 'application/cloudevents-batch+json' }],
  ['another content type', 'id=x', { 'content-type': 'application/x-www-form-urlencoded' }],
  ['an unknown aeg-event-type', [], { 'content-type': 'application/json', 'aeg-event-type': 'Gossip' }],
])('%s is a 400, and nothing is invoked', async (_label, body, headers) => {
  const response = await post(webhook('egToyRecorder'), body, headers);
  expect(response.status).toBe(400);
  expect(((await response.json()) as { detail: string }).detail).toEqual(expect.any(String));
  expect(invocations).toEqual([]);
});

test('a function that throws makes the delivery a 500 (so the sender retries); the others in the batch still run', async () => {
  const response = await post(webhook('egToyFailing'), [eventGridEvent('ok', {}), eventGridEvent('bad', { fail: true })], {
    'content-type': 'application/json',
    'aeg-event-type': 'Notification',
  });
  expect(response.status).toBe(500);
  expect(await response.json()).toEqual({ detail: 'egToyFailing failed on 1 of 2 events; deliver them again' });
  expect(invocations.map((invocation) => invocation.event.id).sort()).toEqual(['bad', 'ok']);
  expect(logs.some((line) => line.startsWith('[error] eventgrid: egToyFailing failed on event bad') && line.includes('the toy refuses this event'))).toBe(true);

  await expect(publishToLocalHost(origin, 'egToyFailing', [{ subject: 's', eventType: 't', dataVersion: '1', data: { fail: true } }], 'EventGrid')).rejects.toMatchObject({
    statusCode: 500,
  });
});

test('other methods on the webhook path are a 405', async () => {
  const response = await fetch(webhook('egToyRecorder'));
  expect(response.status).toBe(405);
  expect(response.headers.get('allow')).toBe('POST, OPTIONS');
});
