import { randomUUID } from 'node:crypto';
import { AirlockCloudEvent } from '../../../src/domain/airlockEvents';
import { AuditDraft } from '../../../src/domain/audit';
import { auditOfCreation } from '../../../src/domain/auditOfChange';
import { NotFoundError } from '../../../src/domain/errors';
import { AirlockRequest, newDraftRequest, withStatus } from '../../../src/domain/request';
import { AIRLOCK_SYSTEM } from '../../../src/domain/roles';
import { publishAuditEvents, PublishAuditEventsInput } from '../../../src/functions/activities/publishAuditEvents';
import { appendAudit, updateStoredRequest } from '../../../src/functions/storedRequest';
import { setDependencies } from '../../../src/infra/dependencies';
import { RequestStore } from '../../../src/infra/requestStore';
import { EventPublisher } from '../../../src/infra/events/eventPublisher';
import { activityContext, lifecycleInputOf, RESEARCHER, startTestDependencies, TestDependencies } from '../../support/azuriteDependencies';

/** Keeps what each publish call was given; fails every call while `failure` is set. */
class CapturingPublisher implements EventPublisher {
  readonly description = 'capturing (test)';
  calls: AirlockCloudEvent[][] = [];
  failure: Error | undefined;

  async publish(events: readonly AirlockCloudEvent[]): Promise<void> {
    if (this.failure) throw this.failure;
    this.calls.push([...events]);
  }

  get published(): AirlockCloudEvent[] {
    return this.calls.flat();
  }
}

const publisher = new CapturingPublisher();
let env: TestDependencies;

beforeAll(async () => {
  env = await startTestDependencies({ events: publisher });
});

afterAll(async () => {
  await env?.close();
});

beforeEach(() => {
  publisher.calls = [];
  publisher.failure = undefined;
});

const START = 1_750_000_000;

/** A request with four audit entries: created, submitted, its files moved, in review. */
async function requestWithHistory(): Promise<AirlockRequest> {
  const draft = newDraftRequest({
    id: randomUUID(),
    workspaceId: 'ws01',
    type: 'import',
    title: 'Cohort extract',
    businessJustification: 'Needed for the approved study',
    creator: RESEARCHER,
    now: START,
  });
  const created = await env.deps.store.create(draft, auditOfCreation(draft));
  const ref = lifecycleInputOf(created);
  await updateStoredRequest(env.deps, ref, (request) => withStatus(request, { to: 'submitted', actor: RESEARCHER, now: START + 60 }));
  await appendAudit(env.deps, ref, {
    action: 'data.moved',
    actor: AIRLOCK_SYSTEM,
    time: START + 61,
    files: [{ name: 'cohort.csv', sha256: 'ab'.repeat(32) }],
    detail: { from: 'import-external', to: 'import-in-progress' },
  });
  return updateStoredRequest(env.deps, ref, (request) => withStatus(request, { to: 'in_review', actor: AIRLOCK_SYSTEM, now: START + 62 }));
}

/** Entries that change nothing's status: what a long-lived request piles up between status changes. */
async function appendScanResults(request: AirlockRequest, count: number, from: number): Promise<void> {
  for (let start = 0; start < count; start += 90) {
    const drafts: AuditDraft[] = Array.from({ length: Math.min(90, count - start) }, (_, index) => ({
      action: 'scan.recorded',
      actor: AIRLOCK_SYSTEM,
      time: from + start + index,
      detail: { verdicts: [`part-${start + index}.csv: clean`] },
    }));
    await updateStoredRequest(env.deps, lifecycleInputOf(request), (current) => current, { audit: () => drafts });
  }
}

/** The audit entries the activity reads from the store while `run` runs. */
async function countingAuditReads<T>(run: () => Promise<T>): Promise<{ result: T; entriesRead: number }> {
  let entriesRead = 0;
  const store = new Proxy(env.deps.store, {
    get(target, property) {
      if (property === 'listAudit') {
        return async (...args: Parameters<RequestStore['listAudit']>) => {
          const entries = await target.listAudit(...args);
          entriesRead += entries.length;
          return entries;
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  setDependencies({ ...env.deps, store });
  try {
    return { result: await run(), entriesRead };
  } finally {
    setDependencies(env.deps);
  }
}

function publish(request: AirlockRequest, afterSeq: number): Promise<number> {
  const input: PublishAuditEventsInput = { request: lifecycleInputOf(request), afterSeq };
  return publishAuditEvents(input, activityContext('publishAuditEvents')) as Promise<number>;
}

describe('publishAuditEvents', () => {
  test('publishes one event per audit entry, ids <requestId>:<seq>, types from the actions, flat data', async () => {
    const request = await requestWithHistory();

    await expect(publish(request, 0)).resolves.toBe(4);

    const events = publisher.published;
    expect(events.map((event) => event.id)).toEqual([1, 2, 3, 4].map((seq) => `${request.id}:${seq}`));
    expect(events.map((event) => event.type)).toEqual([
      'Airlock.Request.Created',
      'Airlock.Request.StatusChanged',
      'Airlock.Request.DataMoved',
      'Airlock.Request.StatusChanged',
    ]);
    for (const event of events) {
      expect(event).toMatchObject({ source: '/airlock/test', subject: `workspaces/ws01/requests/${request.id}`, datacontenttype: 'application/json' });
    }
    // The fields subscriptions filter on are top-level scalars of `data`.
    expect(events[1].data).toMatchObject({
      requestId: request.id,
      workspaceId: 'ws01',
      requestType: 'import',
      title: 'Cohort extract',
      status: 'submitted',
      previousStatus: 'draft',
      actor: RESEARCHER,
      requester: RESEARCHER,
      auditSeq: 2,
    });
    expect(events[1].time).toBe(new Date((START + 60) * 1000).toISOString());
    expect(events[2].data).toMatchObject({ status: 'submitted', previousStatus: null, actor: AIRLOCK_SYSTEM, files: [{ name: 'cohort.csv' }] });
    expect(events[3].data).toMatchObject({ status: 'in_review', previousStatus: 'submitted', auditSeq: 4 });
    for (const event of events) {
      for (const key of ['requestId', 'workspaceId', 'requestType', 'status'] as const) expect(typeof event.data[key]).toBe('string');
    }
  });

  test('afterSeq skips what was already published; with nothing new, nothing is published', async () => {
    const request = await requestWithHistory();

    await expect(publish(request, 2)).resolves.toBe(4);
    expect(publisher.published.map((event) => event.data.auditSeq)).toEqual([3, 4]);

    publisher.calls = [];
    await expect(publish(request, 4)).resolves.toBe(4);
    expect(publisher.calls).toEqual([]);
  });

  test('a retry publishes the same events with the same ids', async () => {
    const request = await requestWithHistory();

    await publish(request, 0);
    const first = publisher.published;
    publisher.calls = [];
    await publish(request, 0);

    expect(publisher.published).toEqual(first);
  });

  test("an event's status is the status as of its entry, also when the last status change lies far back", async () => {
    // 1-4 as in requestWithHistory (in_review at 4), 100 scan results at 5-104, approval_in_progress at 105
    const request = await requestWithHistory();
    await appendScanResults(request, 100, START + 100);
    const approved = await updateStoredRequest(env.deps, lifecycleInputOf(request), (current) =>
      withStatus(current, { to: 'approval_in_progress', actor: RESEARCHER, now: START + 300 }),
    );
    await publish(approved, 0);
    const everyEvent = publisher.published;
    expect(everyEvent).toHaveLength(105);
    expect(everyEvent[50].data.status).toBe('in_review');

    for (const afterSeq of [4, 5, 12, 40, 100, 104]) {
      publisher.calls = [];
      await expect(publish(approved, afterSeq)).resolves.toBe(105);
      expect(publisher.published).toEqual(everyEvent.slice(afterSeq));
    }
  });

  test('a step reads the entries it publishes and the last status change before them, not the whole log', async () => {
    // 1-4 as in requestWithHistory, 150 scan results at 5-154, approval_in_progress at 155, two entries after it
    const request = await requestWithHistory();
    const ref = lifecycleInputOf(request);
    await appendScanResults(request, 150, START + 100);
    await updateStoredRequest(env.deps, ref, (current) => withStatus(current, { to: 'approval_in_progress', actor: RESEARCHER, now: START + 300 }));
    await appendAudit(env.deps, ref, { action: 'link.issued', actor: RESEARCHER, time: START + 400 });
    await appendAudit(env.deps, ref, { action: 'data.moved', actor: AIRLOCK_SYSTEM, time: START + 401, detail: { from: 'in_progress', to: 'approved' } });
    await publish(request, 0);
    const everyEvent = publisher.published;
    expect(everyEvent).toHaveLength(157);
    publisher.calls = [];

    const { result, entriesRead } = await countingAuditReads(() => publish(request, 155));

    expect(result).toBe(157);
    expect(publisher.published).toEqual(everyEvent.slice(155));
    expect(publisher.published.map((event) => event.data.status)).toEqual(['approval_in_progress', 'approval_in_progress']);
    expect(entriesRead).toBeLessThan(20);
  });

  test('a failing publisher makes the activity throw, for the orchestrator to retry', async () => {
    const request = await requestWithHistory();
    publisher.failure = new Error('topic unreachable');

    await expect(publish(request, 0)).rejects.toThrow('topic unreachable');
  });

  test('a request not in the store is an error, not an empty publish', async () => {
    const missing = { id: randomUUID(), workspaceId: 'ws01', type: 'import' as const };

    await expect(publish(missing as AirlockRequest, 0)).rejects.toBeInstanceOf(NotFoundError);
    expect(publisher.calls).toEqual([]);
  });
});
