import { IllegalTransitionError, InvariantError } from '../../../src/domain/errors';
import { AirlockRequest } from '../../../src/domain/request';
import { AIRLOCK_SYSTEM } from '../../../src/domain/roles';
import { RequestStatus } from '../../../src/domain/status';
import { setRequestStatus } from '../../../src/functions/activities/setRequestStatus';
import {
  activityContext,
  createStoredRequest,
  lifecycleInputOf,
  startTestDependencies,
  TestDependencies,
} from '../../support/azuriteDependencies';

const NOW = new Date('2026-03-02T10:15:00Z');
const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);

let env: TestDependencies;

beforeAll(async () => {
  env = await startTestDependencies({ now: () => NOW });
});

afterAll(async () => {
  await env?.close();
});

function setStatus(request: AirlockRequest, from: RequestStatus, to: RequestStatus, message?: string): Promise<RequestStatus> {
  return setRequestStatus({ request: lifecycleInputOf(request), from, to, message }, activityContext('setRequestStatus'));
}

async function stored(request: AirlockRequest): Promise<AirlockRequest | undefined> {
  return env.deps.store.get(request.workspaceId, request.id);
}

describe('setRequestStatus', () => {
  test('moves a submitted request into review, with the message as progress and a history entry by the airlock', async () => {
    const request = await createStoredRequest(env.deps, { status: 'submitted' });

    await expect(setStatus(request, 'submitted', 'in_review', 'not scanned: scanning is disabled')).resolves.toBe('in_review');

    const after = await stored(request);
    expect(after).not.toHaveProperty('statusMessage');
    expect(after).toMatchObject({
      status: 'in_review',
      progressMessage: 'not scanned: scanning is disabled',
      updatedBy: AIRLOCK_SYSTEM,
      updatedWhen: NOW_SECONDS,
      resourceVersion: request.resourceVersion + 1,
    });
    expect(after!.history).toEqual([
      ...request.history,
      {
        resourceVersion: request.resourceVersion,
        updatedWhen: NOW_SECONDS,
        updatedBy: AIRLOCK_SYSTEM,
        properties: { previousStatus: 'submitted', status: 'in_review', progressMessage: 'not scanned: scanning is disabled' },
      },
    ]);
  });

  test("a block's verdict is the status message, and finishing the move keeps it", async () => {
    const request = await createStoredRequest(env.deps, { status: 'submitted' });
    await setStatus(request, 'submitted', 'blocking_in_progress', 'a.csv: Eicar-Test-Signature');
    expect(await stored(request)).toMatchObject({ status: 'blocking_in_progress', statusMessage: 'a.csv: Eicar-Test-Signature' });

    await setStatus(request, 'blocking_in_progress', 'blocked_by_scan');
    const blocked = await stored(request);
    expect(blocked).toMatchObject({ status: 'blocked_by_scan', statusMessage: 'a.csv: Eicar-Test-Signature' });
    expect(blocked).not.toHaveProperty('progressMessage');
  });

  test("finishing a rejection keeps the reviewer's reason as progress, never as an error", async () => {
    const created = await createStoredRequest(env.deps, { status: 'rejection_in_progress' });
    const request = await env.deps.store.replace({ ...created, progressMessage: 'Rejected: row-level data' });

    await setStatus(request, 'rejection_in_progress', 'rejected');

    const rejected = await stored(request);
    expect(rejected).toMatchObject({ status: 'rejected', progressMessage: 'Rejected: row-level data' });
    expect(rejected).not.toHaveProperty('statusMessage');
  });

  test('an input scheduled by the version before progress had its own field still gives its message', async () => {
    const request = await createStoredRequest(env.deps, { status: 'submitted' });
    await setRequestStatus(
      { request: lifecycleInputOf(request), from: 'submitted', to: 'blocking_in_progress', statusMessage: 'a.csv: Eicar-Test-Signature' },
      activityContext('setRequestStatus'),
    );
    expect(await stored(request)).toMatchObject({ status: 'blocking_in_progress', statusMessage: 'a.csv: Eicar-Test-Signature' });
  });

  test('running it again once the request is in the target status changes nothing', async () => {
    const request = await createStoredRequest(env.deps, { status: 'submitted' });
    await setStatus(request, 'submitted', 'in_review', 'not scanned: scanning is disabled');
    const first = await stored(request);

    await expect(setStatus(request, 'submitted', 'in_review', 'not scanned: scanning is disabled')).resolves.toBe('in_review');

    const second = await stored(request);
    expect(second!.resourceVersion).toBe(first!.resourceVersion);
    expect(second).toEqual(first);
  });

  test('a request found in another status than expected is refused and left as stored', async () => {
    const request = await createStoredRequest(env.deps, { status: 'draft' });

    const attempt = setStatus(request, 'submitted', 'in_review');

    await expect(attempt).rejects.toThrow(InvariantError);
    await expect(attempt).rejects.toThrow("expected the request to be 'submitted' before 'in_review', but it is 'draft'");
    expect(await stored(request)).toEqual(request);
  });

  test('a change the transition table does not allow is refused even from the expected status', async () => {
    const request = await createStoredRequest(env.deps, { status: 'submitted' });

    await expect(setStatus(request, 'submitted', 'approved')).rejects.toThrow(IllegalTransitionError);

    expect(await stored(request)).toEqual(request);
  });
});
