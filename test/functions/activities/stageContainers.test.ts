import { AirlockRequest } from '../../../src/domain/request';
import { Stage } from '../../../src/domain/stages';
import { deleteStageData } from '../../../src/functions/activities/deleteStageData';
import { provisionContainer } from '../../../src/functions/activities/provisionContainer';
import { containerFor } from '../../../src/infra/stageStorage';
import {
  activityContext,
  createStoredRequest,
  lifecycleInputOf,
  startTestDependencies,
  TestDependencies,
} from '../../support/azuriteDependencies';

let env: TestDependencies;

beforeAll(async () => {
  env = await startTestDependencies({ treId: 'mytre', workspaces: ['ws01', 'ws-beta'] });
});

afterAll(async () => {
  await env?.close();
});

function provision(request: AirlockRequest, stage: Stage): Promise<void> {
  return provisionContainer({ request: lifecycleInputOf(request), stage }, activityContext('provisionContainer'));
}

function deleteData(request: AirlockRequest, stage: Stage): Promise<void> {
  return deleteStageData({ request: lifecycleInputOf(request), stage }, activityContext('deleteStageData'));
}

describe('provisionContainer', () => {
  test('creates the request\'s container, named by its id, in the stage account of its type', async () => {
    const importRequest = await createStoredRequest(env.deps, { status: 'draft', type: 'import', workspaceId: 'ws01' });
    const exportRequest = await createStoredRequest(env.deps, { status: 'draft', type: 'export', workspaceId: 'ws-beta' });

    await provision(importRequest, 'draft');
    await provision(exportRequest, 'draft');

    // Imports start in the TRE's core account; exports in the workspace's own account.
    expect(await env.blobContainer('stalimexmytre', importRequest.id).exists()).toBe(true);
    expect(await env.blobContainer('stalexintwsbeta', exportRequest.id).exists()).toBe(true);
    expect(await env.blobContainer('stalexintwsws01', exportRequest.id).exists()).toBe(false);
  });

  test('provisioning again keeps the files already uploaded', async () => {
    const request = await createStoredRequest(env.deps, { status: 'draft' });
    await provision(request, 'draft');
    await env.upload(containerFor(request, 'draft'), 'cohort.csv', 'patient,age\n');

    await expect(provision(request, 'draft')).resolves.toBeUndefined();

    expect((await env.download(containerFor(request, 'draft'), 'cohort.csv')).toString()).toBe('patient,age\n');
  });
});

describe('deleteStageData', () => {
  test('deletes the container and its files in that stage only', async () => {
    const request = await createStoredRequest(env.deps, { status: 'in_review' });
    await env.upload(containerFor(request, 'in_progress'), 'cohort.csv', 'patient,age\n');
    await provision(request, 'draft');

    await deleteData(request, 'in_progress');

    expect(await env.containerExists(containerFor(request, 'in_progress'))).toBe(false);
    expect(await env.containerExists(containerFor(request, 'draft'))).toBe(true);
  });

  test('deleting again, or deleting a container that never existed, succeeds', async () => {
    const request = await createStoredRequest(env.deps, { status: 'cancelled' });
    await env.upload(containerFor(request, 'draft'), 'cohort.csv', 'patient,age\n');
    await deleteData(request, 'draft');

    await expect(deleteData(request, 'draft')).resolves.toBeUndefined();
    await expect(deleteData(request, 'rejected')).resolves.toBeUndefined();
    expect(await env.containerExists(containerFor(request, 'draft'))).toBe(false);
  });
});
