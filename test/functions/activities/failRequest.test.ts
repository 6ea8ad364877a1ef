import { AirlockRequest } from '../../../src/domain/request';
import { AIRLOCK_SYSTEM } from '../../../src/domain/roles';
import { RequestStatus } from '../../../src/domain/status';
import { failRequest } from '../../../src/functions/activities/failRequest';
import {
  activityContext,
  createStoredRequest,
  lifecycleInputOf,
  startTestDependencies,
  TestDependencies,
} from '../../support/azuriteDependencies';

const REASON =
  'The airlock stopped while moving the files to the in-progress stage: storage unreachable. ' +
  'The files were kept where they were; ask your TRE administrator to investigate.';

let env: TestDependencies;

beforeAll(async () => {
  env = await startTestDependencies();
});

afterAll(async () => {
  await env?.close();
});

type Logs = { level: string; message: string }[];

function fail(request: AirlockRequest, statusMessage: string, logs: Logs = []): Promise<RequestStatus> {
  return failRequest({ request: lifecycleInputOf(request), statusMessage }, activityContext('failRequest', logs));
}

async function stored(request: AirlockRequest): Promise<AirlockRequest | undefined> {
  return env.deps.store.get(request.workspaceId, request.id);
}

describe('failRequest', () => {
  test.each<RequestStatus>(['submitted', 'in_review', 'approval_in_progress'])(
    'marks a request in %s failed, telling the requester why',
    async (status) => {
      const request = await createStoredRequest(env.deps, { status });

      await expect(fail(request, REASON)).resolves.toBe('failed');

      const after = await stored(request);
      expect(after).toMatchObject({ status: 'failed', statusMessage: REASON, updatedBy: AIRLOCK_SYSTEM, resourceVersion: request.resourceVersion + 1 });
      expect(after!.history.at(-1)).toMatchObject({
        updatedBy: AIRLOCK_SYSTEM,
        properties: { previousStatus: status, status: 'failed', statusMessage: REASON },
      });
    },
  );

  test('an approved request cannot fail: it is left unchanged, the reason is logged, and nothing is thrown', async () => {
    const request = await createStoredRequest(env.deps, { status: 'approved' });
    const logs: Logs = [];

    await expect(fail(request, REASON, logs)).resolves.toBe('approved');

    expect(await stored(request)).toEqual(request);
    expect(logs).toEqual([
      { level: 'warning', message: `request ${request.id} could not be marked failed from 'approved': ${REASON}` },
    ]);
  });
});
