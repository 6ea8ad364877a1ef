import { NotFoundError } from '../../../src/domain/errors';
import { withStatus } from '../../../src/domain/request';
import { readRequestStatus, StoredStatus } from '../../../src/functions/activities/readRequestStatus';
import { LifecycleInput } from '../../../src/functions/lifecycleNames';
import {
  activityContext,
  createStoredRequest,
  lifecycleInputOf,
  startTestDependencies,
  TestDependencies,
} from '../../support/azuriteDependencies';

const REVIEWER = { id: 'user-reviewer', name: 'Rob Reviewer' };

let env: TestDependencies;

beforeAll(async () => {
  env = await startTestDependencies();
});

afterAll(async () => {
  await env?.close();
});

function readStatus(input: LifecycleInput): Promise<StoredStatus> {
  return readRequestStatus(input, activityContext('readRequestStatus'));
}

describe('readRequestStatus', () => {
  test('returns the stored status, resource version, submission cycle and where the files are, and nothing else', async () => {
    const request = await createStoredRequest(env.deps, { status: 'in_review' });

    await expect(readStatus(lifecycleInputOf(request))).resolves.toEqual({
      status: 'in_review',
      resourceVersion: request.resourceVersion,
      cycle: 1,
      filesAt: { stage: 'in_progress', cycle: 1 },
    });
  });

  test('a request stored before files were located has its files in the first draft', async () => {
    const { filesAt: _dropped, ...legacy } = await createStoredRequest(env.deps, { status: 'draft' });
    const request = await env.deps.store.replace(legacy);

    await expect(readStatus(lifecycleInputOf(request))).resolves.toMatchObject({ cycle: 0, filesAt: { stage: 'draft', cycle: 1 } });
  });

  test('sees a change a reviewer stored after the request was first read', async () => {
    const request = await createStoredRequest(env.deps, { status: 'in_review' });
    await env.deps.store.replace(withStatus(request, { to: 'approval_in_progress', trigger: 'approve', actor: REVIEWER, now: request.updatedWhen + 60 }));

    await expect(readStatus(lifecycleInputOf(request))).resolves.toMatchObject({
      status: 'approval_in_progress',
      resourceVersion: request.resourceVersion + 1,
    });
  });

  test('an unknown request fails with NotFoundError naming it', async () => {
    const attempt = readStatus({ requestId: 'no-such-request', workspaceId: 'ws01', type: 'import' });

    await expect(attempt).rejects.toThrow(NotFoundError);
    await expect(attempt).rejects.toThrow("Airlock request 'no-such-request' is not in the store");
  });

  test('a request looked up in another workspace is not found', async () => {
    const request = await createStoredRequest(env.deps, { status: 'draft', workspaceId: 'ws01' });

    await expect(readStatus({ ...lifecycleInputOf(request), workspaceId: 'ws02' })).rejects.toThrow(NotFoundError);
  });
});
