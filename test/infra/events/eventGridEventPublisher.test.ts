import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../../../src/config';
import { AirlockCloudEvent } from '../../../src/domain/airlockEvents';
import { EventGridEventPublisher } from '../../../src/infra/events/eventGridEventPublisher';

interface CapturedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>[];
}

/** A topic that records every publish and answers with the status the test sets. */
let server: Server;
let endpoint: string;
let captured: CapturedRequest[] = [];
let answerStatus = 200;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      captured.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(answerStatus, { 'content-type': 'application/json' });
      res.end(answerStatus === 200 ? '' : JSON.stringify({ error: { code: 'InternalServerError', message: 'the topic is having a bad day' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/events`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  captured = [];
  answerStatus = 200;
});

function event(seq: number, extra: Partial<AirlockCloudEvent['data']> = {}): AirlockCloudEvent {
  return {
    id: `req-1:${seq}`,
    source: '/airlock/test',
    type: 'Airlock.Request.StatusChanged',
    subject: 'workspaces/ws01/requests/req-1',
    time: new Date(Date.UTC(2025, 0, 1, 12, 0, seq)).toISOString(),
    datacontenttype: 'application/json',
    data: {
      requestId: 'req-1',
      workspaceId: 'ws01',
      requestType: 'import',
      title: 'Cohort extract',
      status: 'in_review',
      previousStatus: 'submitted',
      reason: null,
      actor: { id: 'system', name: 'Airlock' },
      requester: { id: 'user-1', name: 'Rita Researcher' },
      auditSeq: seq,
      files: [{ name: 'cohort.csv', sha256: 'ab'.repeat(32) }],
      detail: null,
      ...extra,
    },
  };
}

const noSdkRetries = { retryOptions: { maxRetries: 0 } };

describe('EventGridEventPublisher', () => {
  test('publishes CloudEvents with our ids, as a batch, with the access key', async () => {
    const publisher = new EventGridEventPublisher(endpoint, { key: 'topic-key-1' }, noSdkRetries);
    const events = [event(1), event(2), event(3)];

    await publisher.publish(events);

    expect(captured).toHaveLength(1);
    const [request] = captured;
    expect(request.method).toBe('POST');
    expect(request.url).toMatch(/^\/api\/events\?api-version=/);
    expect(request.headers['content-type']).toMatch(/^application\/cloudevents-batch\+json/);
    expect(request.headers['aeg-sas-key']).toBe('topic-key-1');
    expect(request.headers.authorization).toBeUndefined();
    expect(request.body.map((sent) => sent.id)).toEqual(['req-1:1', 'req-1:2', 'req-1:3']);
    expect(request.body[0]).toMatchObject({
      specversion: '1.0',
      id: 'req-1:1',
      source: '/airlock/test',
      type: 'Airlock.Request.StatusChanged',
      subject: 'workspaces/ws01/requests/req-1',
      time: events[0].time,
      datacontenttype: 'application/json',
      data: events[0].data,
    });
  });

  test('more than 100 events go out in batches of at most 100, in order', async () => {
    const publisher = new EventGridEventPublisher(endpoint, { key: 'k' }, noSdkRetries);
    const events = Array.from({ length: 250 }, (_, index) => event(index + 1));

    await publisher.publish(events);

    expect(captured.map((request) => request.body.length)).toEqual([100, 100, 50]);
    expect(captured.flatMap((request) => request.body.map((sent) => sent.id))).toEqual(events.map((sent) => sent.id));
  });

  test('large events go out in batches under 1 MB', async () => {
    const publisher = new EventGridEventPublisher(endpoint, { key: 'k' }, noSdkRetries);
    // About 100 KB each: ten of them would exceed what one publish may carry.
    const events = Array.from({ length: 10 }, (_, index) => event(index + 1, { title: 'x'.repeat(100 * 1024) }));

    await publisher.publish(events);

    expect(captured.length).toBeGreaterThan(1);
    for (const request of captured) expect(Buffer.byteLength(JSON.stringify(request.body))).toBeLessThan(1024 * 1024);
    expect(captured.flatMap((request) => request.body.map((sent) => sent.id))).toEqual(events.map((sent) => sent.id));
  });

  test('a topic that answers 500 makes publish reject', async () => {
    answerStatus = 500;
    const publisher = new EventGridEventPublisher(endpoint, { key: 'k' }, noSdkRetries);

    await expect(publisher.publish([event(1)])).rejects.toThrow();
    expect(captured).toHaveLength(1);
  });

  test('nothing to publish sends nothing', async () => {
    await new EventGridEventPublisher(endpoint, { key: 'k' }, noSdkRetries).publish([]);
    expect(captured).toHaveLength(0);
  });

  test('the description names the topic host and never the key', () => {
    const publisher = new EventGridEventPublisher('https://airlock-events.uksouth-1.eventgrid.azure.net/api/events', { key: 'very-secret-key' });
    expect(publisher.description).toContain('airlock-events.uksouth-1.eventgrid.azure.net');
    expect(publisher.description).not.toContain('very-secret-key');
  });

  test('a managed identity over plain http is refused at construction, as the SDK would refuse every publish', () => {
    const credential = { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 3_600_000 }) };
    expect(() => new EventGridEventPublisher(endpoint, credential)).toThrow(/AIRLOCK_EVENTS_TOPIC_KEY/);
    expect(() => new EventGridEventPublisher(endpoint, credential)).toThrow(ConfigError);
  });
});
