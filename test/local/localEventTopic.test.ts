import { app, InvocationContext } from '@azure/functions';
import type { IncomingMessage } from 'node:http';
import { createServer, Server } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AirlockCloudEvent } from '../../src/domain/airlockEvents';
import { EventGridEventPublisher } from '../../src/infra/events/eventGridEventPublisher';
import { LocalDurableBackend } from '../../src/local/durableBackend';
import { EVENT_GRID_WEBHOOK_PATH } from '../../src/local/eventGridDelivery';
import { Registration, registrations } from '../../src/local/functionsCore';
import { createHttpHost, HttpHost } from '../../src/local/httpHost';
import {
  DeliveryPolicy,
  LOCAL_EVENT_SUBSCRIBERS,
  LOCAL_EVENT_TOPIC_PATH,
  LocalEventTopic,
  localEventSubscriptions,
  parseWebhooks,
} from '../../src/local/localEventTopic';

const TOPIC_KEY = 'local-topic-key';
/** Event Grid's backoff, shrunk so the test waits milliseconds instead of seconds. */
const FAST_DELIVERY: DeliveryPolicy = { firstRetryDelayMs: 10, maxRetryDelayMs: 80, maxAttempts: 8, attemptTimeoutMs: 5_000 };

// ---- a subscriber function (fails its first delivery of event :2, so it is retried) -------------

const functionDeliveries: { id: string; functionName: string }[] = [];
let failedOnce = false;
app.eventGrid('topicToySubscriber', {
  handler: async (event: unknown, context: InvocationContext) => {
    const id = String((event as { id: unknown }).id);
    functionDeliveries.push({ id, functionName: context.functionName });
    if (id.endsWith(':2') && !failedOnce) {
      failedOnce = true;
      throw new Error('the toy subscriber fails once');
    }
  },
});

// ---- webhook receivers --------------------------------------------------------------------------

interface Receiver {
  url: string;
  handshakes: { origin: string | undefined }[];
  /** Every POST, failed ones included, in arrival order. */
  posts: { id: string; contentType: string | undefined; deliveryCount: string | undefined }[];
  close(): Promise<void>;
}

interface ReceiverBehaviour {
  /** 'echo': allows the requesting origin; 'star': allows `*`; 'refuse': 200 without WebHook-Allowed-Origin. */
  handshake: 'echo' | 'star' | 'refuse';
  /** The first N POSTs are answered 500, after the receiver has seen them (so redelivery duplicates them). */
  failFirstPosts?: number;
  /** POSTs are answered only once this resolves. */
  holdUntil?: Promise<void>;
}

async function startReceiver(behaviour: ReceiverBehaviour): Promise<Receiver> {
  const handshakes: Receiver['handshakes'] = [];
  const posts: Receiver['posts'] = [];
  let failuresLeft = behaviour.failFirstPosts ?? 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      if (req.method === 'OPTIONS') {
        const origin = req.headers['webhook-request-origin'] as string | undefined;
        handshakes.push({ origin });
        const allowed = behaviour.handshake === 'echo' ? { 'webhook-allowed-origin': origin ?? '' } : behaviour.handshake === 'star' ? { 'webhook-allowed-origin': '*' } : {};
        res.writeHead(200, allowed).end();
        return;
      }
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string };
      posts.push({ id: event.id, contentType: req.headers['content-type'], deliveryCount: req.headers['aeg-delivery-count'] as string | undefined });
      await behaviour.holdUntil;
      if (failuresLeft > 0) {
        failuresLeft--;
        res.writeHead(500).end('not now');
        return;
      }
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/airlock-events`,
    handshakes,
    posts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---- the host with the topic --------------------------------------------------------------------

const logs: string[] = [];
const log = (line: string) => logs.push(line);
let durable: LocalDurableBackend;
let host: HttpHost;
let topic: LocalEventTopic;
let topicEndpoint: string;
let origin: string;
const receivers: Receiver[] = [];
let steady: Receiver;
let flaky: Receiver;
let refusing: Receiver;

beforeAll(async () => {
  topic = new LocalEventTopic({ key: TOPIC_KEY, log, delivery: FAST_DELIVERY });
  durable = new LocalDurableBackend({ registrations, log });
  host = createHttpHost({ registrations, durable, extraRoutes: topic.routes, log });
  origin = await host.listen(0);
  topicEndpoint = `${origin}${LOCAL_EVENT_TOPIC_PATH}`;

  steady = await startReceiver({ handshake: 'echo' });
  flaky = await startReceiver({ handshake: 'star', failFirstPosts: 2 });
  refusing = await startReceiver({ handshake: 'refuse' });
  receivers.push(steady, flaky, refusing);

  topic.subscribe({
    name: 'function topicToySubscriber',
    endpoint: `${origin}${EVENT_GRID_WEBHOOK_PATH}?functionName=topicToySubscriber`,
    validate: false,
  });
  for (const receiver of receivers) topic.subscribe({ name: `webhook ${receiver.url}`, endpoint: receiver.url, validate: true });
});

afterAll(async () => {
  await topic.close();
  await host.close();
  await durable.stop();
  for (const receiver of receivers) await receiver.close();
});

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${logs.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Ids in the order first seen, each once: what a receiver keeps after dropping redeliveries. */
const deduplicated = (ids: string[]) => [...new Set(ids)];

function airlockEvent(requestId: string, seq: number): AirlockCloudEvent {
  return {
    id: `${requestId}:${seq}`,
    source: '/airlock/local',
    type: seq === 1 ? 'Airlock.Request.Created' : 'Airlock.Request.StatusChanged',
    subject: `workspaces/demo/requests/${requestId}`,
    time: new Date(Date.UTC(2025, 5, 1, 9, 0, seq)).toISOString(),
    datacontenttype: 'application/json',
    data: {
      requestId,
      workspaceId: 'demo',
      requestType: 'export',
      title: 'Model outputs',
      status: seq === 1 ? 'draft' : 'submitted',
      previousStatus: seq === 1 ? null : 'draft',
      reason: null,
      actor: { id: 'user-1', name: 'Rita Researcher' },
      requester: { id: 'user-1', name: 'Rita Researcher' },
      auditSeq: seq,
      files: [],
      detail: null,
    },
  };
}

const publisher = () => new EventGridEventPublisher(topicEndpoint, { key: TOPIC_KEY }, { retryOptions: { maxRetries: 0 } });

describe('local events topic', () => {
  test('every published event reaches the subscriber function and each validated webhook, in order, nothing lost', async () => {
    const events = [1, 2, 3, 4, 5].map((seq) => airlockEvent('req-a', seq));
    const ids = events.map((event) => event.id);

    // Published in two calls, through the SDK (which appends ?api-version=...).
    await publisher().publish(events.slice(0, 3));
    await publisher().publish(events.slice(3));

    await waitFor(() => deduplicated(steady.posts.map((post) => post.id)).length === ids.length, 'the steady webhook');
    await waitFor(() => deduplicated(flaky.posts.map((post) => post.id)).length === ids.length, 'the flaky webhook');
    await waitFor(() => deduplicated(functionDeliveries.map((delivery) => delivery.id)).length === ids.length, 'the subscriber function');

    // Exactly once, in publish order, one event per request as application/cloudevents+json.
    expect(steady.posts.map((post) => post.id)).toEqual(ids);
    expect(steady.posts.every((post) => post.contentType?.startsWith('application/cloudevents+json'))).toBe(true);
    expect(steady.handshakes).toEqual([{ origin: 'eventgrid.azure.net' }]);

    // The first event was refused twice and delivered again with the same id: duplicates, nothing lost, order kept.
    expect(flaky.posts.map((post) => post.id)).toEqual([ids[0], ids[0], ids[0], ...ids.slice(1)]);
    expect(flaky.posts.slice(0, 3).map((post) => post.deliveryCount)).toEqual(['0', '1', '2']);
    expect(deduplicated(flaky.posts.map((post) => post.id))).toEqual(ids);

    // The function ran once per event (event :2 twice, because it threw the first time).
    expect(functionDeliveries.every((delivery) => delivery.functionName === 'topicToySubscriber')).toBe(true);
    expect(deduplicated(functionDeliveries.map((delivery) => delivery.id))).toEqual(ids);
    expect(functionDeliveries.map((delivery) => delivery.id)).toEqual([ids[0], ids[1], ids[1], ...ids.slice(2)]);

    // A webhook that failed the handshake gets nothing, and the log says why.
    expect(refusing.handshakes).toHaveLength(1);
    expect(refusing.posts).toEqual([]);
    expect(logs.some((line) => line.startsWith('[warn]') && line.includes(refusing.url) && line.includes('validation handshake'))).toBe(true);
  });

  test('the publish is answered before slow subscribers have taken the events', async () => {
    let release!: () => void;
    const slow = await startReceiver({ handshake: 'echo', holdUntil: new Promise<void>((resolve) => (release = resolve)) });
    receivers.push(slow);
    topic.subscribe({ name: `webhook ${slow.url}`, endpoint: slow.url, validate: true });
    await waitFor(() => slow.handshakes.length === 1, 'the slow webhook handshake');

    await publisher().publish([airlockEvent('req-b', 1)]);
    await waitFor(() => slow.posts.length === 1, 'the slow webhook to receive the event');
    // The event is in the receiver's hands, unanswered, and the publish has long returned.
    release();
    await publisher().publish([airlockEvent('req-b', 2)]);
    await waitFor(() => slow.posts.length === 2, 'the second event');
    expect(slow.posts.map((post) => post.id)).toEqual(['req-b:1', 'req-b:2']);
  });

  test('a wrong or missing aeg-sas-key is a 401 and delivers nothing', async () => {
    const body = JSON.stringify([{ ...airlockEvent('req-c', 1), specversion: '1.0' }]);
    const headers = { 'content-type': 'application/cloudevents-batch+json; charset=utf-8' };
    const before = steady.posts.length;

    const wrong = await fetch(`${topicEndpoint}?api-version=2018-01-01`, { method: 'POST', headers: { ...headers, 'aeg-sas-key': 'not-the-key' }, body });
    const missing = await fetch(topicEndpoint, { method: 'POST', headers, body });
    await expect(new EventGridEventPublisher(topicEndpoint, { key: 'wrong' }, { retryOptions: { maxRetries: 0 } }).publish([airlockEvent('req-c', 1)])).rejects.toThrow();

    expect(wrong.status).toBe(401);
    expect(missing.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: { code: 'Unauthorized' } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(steady.posts.length).toBe(before);
  });

  test('what is not a CloudEvents publish is a 400', async () => {
    const post = (contentType: string, body: unknown) =>
      fetch(topicEndpoint, { method: 'POST', headers: { 'content-type': contentType, 'aeg-sas-key': TOPIC_KEY }, body: JSON.stringify(body) });
    expect((await post('application/json', [airlockEvent('req-d', 1)])).status).toBe(400);
    expect((await post('application/cloudevents-batch+json', [{ id: 'x', source: '/s' }])).status).toBe(400);
    expect((await post('application/cloudevents-batch+json', { id: 'x', source: '/s', type: 't', specversion: '1.0' })).status).toBe(400);
  });
});

describe('bounded queue and close', () => {
  test('events beyond the queue limit are dropped and logged; closing abandons what is pending and says so', async () => {
    const ownLogs: string[] = [];
    const stuck = await startReceiver({ handshake: 'echo', holdUntil: new Promise<void>(() => undefined) });
    const small = new LocalEventTopic({ key: 'k', log: (line) => ownLogs.push(line), delivery: FAST_DELIVERY, queueLimit: 2 });
    small.subscribe({ name: 'webhook stuck', endpoint: stuck.url, validate: true });
    const publish = (seqs: number[]) =>
      small.routes[0].handle(
        { headers: { 'content-type': 'application/cloudevents-batch+json', 'aeg-sas-key': 'k' } } as unknown as IncomingMessage,
        Buffer.from(JSON.stringify(seqs.map((seq) => ({ ...airlockEvent('req-e', seq), specversion: '1.0' })))),
      );

    expect((await publish([1, 2, 3, 4, 5])).status).toBe(200);
    expect(ownLogs.some((line) => line.includes('dropped 3: req-e:3, req-e:4, req-e:5'))).toBe(true);
    await waitFor(() => stuck.posts.length === 1, 'the stuck webhook to hold the first event');

    const started = Date.now();
    await small.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(ownLogs.some((line) => line.includes('2 event(s) not yet delivered to webhook stuck: req-e:1, req-e:2'))).toBe(true);
    await stuck.close();
  });
});

describe('accepted events kept on disk', () => {
  const publishTo = (topic: LocalEventTopic, seqs: number[], requestId = 'req-j') =>
    topic.routes[0].handle(
      { headers: { 'content-type': 'application/cloudevents-batch+json', 'aeg-sas-key': 'k' } } as unknown as IncomingMessage,
      Buffer.from(JSON.stringify(seqs.map((seq) => ({ ...airlockEvent(requestId, seq), specversion: '1.0' })))),
    );

  test('events accepted before the host died are delivered after it starts again, in order, and only those not yet taken', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'airlock-events-'));
    const down = await startReceiver({ handshake: 'echo', holdUntil: new Promise<void>(() => undefined) });
    const first = new LocalEventTopic({ key: 'k', log: () => undefined, delivery: FAST_DELIVERY, directory });
    await first.start([{ name: 'webhook consumer', endpoint: down.url, validate: true }]);
    expect((await publishTo(first, [1, 2, 3])).status).toBe(200);
    await waitFor(() => down.posts.length === 1, 'the first event to be held');
    // The host stops here with the events untaken: nothing more is delivered, nothing is recorded as
    // taken (a kill leaves the journal as closing does; only the process's memory goes).
    await first.close();
    await down.close();

    const consumer = await startReceiver({ handshake: 'echo' });
    const second = new LocalEventTopic({ key: 'k', log: () => undefined, delivery: FAST_DELIVERY, directory });
    await second.start([{ name: 'webhook consumer', endpoint: consumer.url, validate: true }]);
    await waitFor(() => consumer.posts.length === 3, 'the three accepted events after the restart');
    expect(consumer.posts.map((post) => post.id)).toEqual(['req-j:1', 'req-j:2', 'req-j:3']);
    // A post reaches the consumer before its 200 reaches the topic; only then is it taken.
    await waitFor(() => readdirSync(directory).filter((name) => name.endsWith('.cursor')).map((name) => readFileSync(join(directory, name), 'utf8')).join() === '3', 'the three events recorded as taken');
    await second.close();

    // Everything was taken: the next start empties the journal, and delivers only what is new.
    const third = new LocalEventTopic({ key: 'k', log: () => undefined, delivery: FAST_DELIVERY, directory });
    await third.start([{ name: 'webhook consumer', endpoint: consumer.url, validate: true }]);
    expect(readFileSync(join(directory, 'accepted.jsonl'), 'utf8')).toBe('');
    expect((await publishTo(third, [4])).status).toBe(200);
    await waitFor(() => consumer.posts.length === 4, 'the new event');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(consumer.posts.map((post) => post.id)).toEqual(['req-j:1', 'req-j:2', 'req-j:3', 'req-j:4']);
    await third.close();
    await consumer.close();
  });

  test('a journal line cut short by a crash is dropped, and later events are whole lines', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'airlock-events-'));
    const consumer = await startReceiver({ handshake: 'star' });
    const subscription = { name: 'webhook consumer', endpoint: consumer.url, validate: true };
    const before = new LocalEventTopic({ key: 'k', log: () => undefined, delivery: FAST_DELIVERY, directory });
    await before.start([subscription]);
    await before.close();
    // The host died while appending its second event: one whole line, then half of one.
    writeFileSync(join(directory, 'accepted.jsonl'), `${JSON.stringify({ ...airlockEvent('req-k', 1), specversion: '1.0' })}\n{"id":"req-k:2","sou`);

    const topic = new LocalEventTopic({ key: 'k', log: () => undefined, delivery: FAST_DELIVERY, directory });
    await topic.start([subscription]);
    expect((await publishTo(topic, [3], 'req-k')).status).toBe(200);
    await waitFor(() => consumer.posts.length === 2, 'the whole event, then the new one');
    expect(consumer.posts.map((post) => post.id)).toEqual(['req-k:1', 'req-k:3']);
    expect(readFileSync(join(directory, 'accepted.jsonl'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line).id)).toEqual(['req-k:1', 'req-k:3']);
    await topic.close();
    await consumer.close();
  });
});

describe('subscriptions of the local host', () => {
  const eventGridFunction = (name: string): Registration => ({ name, bindings: { trigger: { type: 'eventGridTrigger', direction: 'in' } }, handler: () => undefined });
  const httpFunction = (name: string): Registration => ({ name, bindings: { trigger: { type: 'httpTrigger', direction: 'in' } }, handler: () => undefined });

  test('the listed eventGrid functions that are registered, through the host webhook, then the webhooks with a handshake', () => {
    const [subscriber] = LOCAL_EVENT_SUBSCRIBERS;
    const registered = new Map([[subscriber, eventGridFunction(subscriber)]]);
    expect(localEventSubscriptions('http://127.0.0.1:7071', registered, ['https://hooks.example.org/airlock'])).toEqual([
      { name: `function ${subscriber}`, endpoint: `http://127.0.0.1:7071/runtime/webhooks/eventgrid?functionName=${subscriber}`, validate: false },
      { name: 'webhook https://hooks.example.org/airlock', endpoint: 'https://hooks.example.org/airlock', validate: true },
    ]);
  });

  test('names not registered, or registered with another trigger, are ignored', () => {
    const [subscriber] = LOCAL_EVENT_SUBSCRIBERS;
    expect(localEventSubscriptions('http://h', new Map(), [])).toEqual([]);
    expect(localEventSubscriptions('http://h', new Map([[subscriber, httpFunction(subscriber)]]), [])).toEqual([]);
  });

  test('AIRLOCK_WEBHOOKS is a comma-separated list of http(s) URLs', () => {
    expect(parseWebhooks(undefined)).toEqual([]);
    expect(parseWebhooks(' http://127.0.0.1:9000/a , https://x.example/b ,')).toEqual(['http://127.0.0.1:9000/a', 'https://x.example/b']);
    expect(() => parseWebhooks('not a url')).toThrow(/AIRLOCK_WEBHOOKS/);
    expect(() => parseWebhooks('ftp://x.example/')).toThrow(/http or https/);
  });
});
