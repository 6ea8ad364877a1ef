import { AirlockRequest } from '../../../src/domain/request';
import { FilesLocation, Stage } from '../../../src/domain/stages';
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

const at = (stage: Stage, cycle = 1): FilesLocation => ({ stage, cycle });

function provision(request: AirlockRequest, stage: Stage, cycle = 1): Promise<void> {
  return provisionContainer({ request: lifecycleInputOf(request), at: at(stage, cycle) }, activityContext('provisionContainer'));
}

function deleteData(request: AirlockRequest, stage: Stage): Promise<void> {
  return deleteStageData({ request: lifecycleInputOf(request), at: at(stage) }, activityContext('deleteStageData'));
}

describe('provisionContainer', () => {
  test('creates the request\'s container, named by its id and submission cycle, in the stage account of its type', async () => {
    const importRequest = await createStoredRequest(env.deps, { status: 'draft', type: 'import', workspaceId: 'ws01' });
    const exportRequest = await createStoredRequest(env.deps, { status: 'draft', type: 'export', workspaceId: 'ws-beta' });

    await provision(importRequest, 'draft');
    await provision(exportRequest, 'draft', 2);

    // Imports start in the TRE's core account; exports in the workspace's own account.
    expect(await env.blobContainer('stalimexmytre', `${importRequest.id}-1`).exists()).toBe(true);
    expect(await env.blobContainer('stalexintwsbeta', `${exportRequest.id}-2`).exists()).toBe(true);
    expect(await env.blobContainer('stalexintwsbeta', `${exportRequest.id}-1`).exists()).toBe(false);
    expect(await env.blobContainer('stalexintwsws01', `${exportRequest.id}-2`).exists()).toBe(false);
  });

  test('provisioning again keeps the files already uploaded', async () => {
    const request = await createStoredRequest(env.deps, { status: 'draft' });
    await provision(request, 'draft');
    await env.upload(containerFor(request, at('draft')), 'cohort.csv', 'patient,age\n');

    await expect(provision(request, 'draft')).resolves.toBeUndefined();

    expect((await env.download(containerFor(request, at('draft')), 'cohort.csv')).toString()).toBe('patient,age\n');
  });
});

describe('deleteStageData', () => {
  test('deletes the container and its files in that stage only', async () => {
    const request = await createStoredRequest(env.deps, { status: 'in_review' });
    await env.upload(containerFor(request, at('in_progress')), 'cohort.csv', 'patient,age\n');
    await provision(request, 'draft');

    await deleteData(request, 'in_progress');

    expect(await env.containerExists(containerFor(request, at('in_progress')))).toBe(false);
    expect(await env.containerExists(containerFor(request, at('draft')))).toBe(true);
    // The request says its files are gone, in the same write as the audit entry naming them.
    expect(await env.deps.store.get(request.workspaceId, request.id)).toMatchObject({ filesAt: null });
    const deleted = (await env.deps.store.listAudit(request.workspaceId, request.id)).filter((entry) => entry.action === 'data.deleted');
    expect(deleted).toEqual([expect.objectContaining({ files: [{ name: 'cohort.csv' }], detail: { stage: 'in_progress' } })]);
  });

  test('deleting again, or deleting a container that never existed, succeeds', async () => {
    const request = await createStoredRequest(env.deps, { status: 'cancelled' });
    await env.upload(containerFor(request, at('draft')), 'cohort.csv', 'patient,age\n');
    await deleteData(request, 'draft');

    await expect(deleteData(request, 'draft')).resolves.toBeUndefined();
    await expect(deleteData(request, 'rejected')).resolves.toBeUndefined();
    expect(await env.containerExists(containerFor(request, at('draft')))).toBe(false);
  });
});
