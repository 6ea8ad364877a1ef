/**
 * The settings API and `rehashOnApproval`, the setting added after workspaces were first stored:
 * what a TRE administrator reads and writes, and what the move to approved is told. The rest of the
 * settings API runs over HTTP in test/e2e/airlockSettings.e2e.test.ts.
 */
import { HttpResponseInit } from '@azure/functions';
import { AirlockSettings } from '../../../src/domain/workspace';
import { airlockSettingsOf } from '../../../src/functions/airlockSettings';
import { getAirlockSettings } from '../../../src/functions/http/getAirlockSettings';
import { putAirlockSettings } from '../../../src/functions/http/putAirlockSettings';
import { httpRequest, inMemoryAirlockForEachTest, invocationContext } from '../../support/inMemoryDependencies';

const session = inMemoryAirlockForEachTest({ workspaces: ['ws01'] });

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const body = (response: HttpResponseInit): any => response.jsonBody;

const settingsCall = () => ({ path: 'workspaces/ws01/airlock-settings', params: { workspaceId: 'ws01' }, authorization: session.tokens.admin });

async function readSettings(): Promise<{ airlock: AirlockSettings; changes: unknown[] }> {
  return body(await getAirlockSettings(httpRequest(settingsCall()), invocationContext('getAirlockSettings'))).workspace;
}

function putSettings(settings: unknown): Promise<HttpResponseInit> {
  return putAirlockSettings(httpRequest({ ...settingsCall(), method: 'PUT', body: settings }), invocationContext('putAirlockSettings'));
}

/** The workspace as a version of the airlock from before `rehashOnApproval` stored it. */
async function storedWithoutRehashSetting(): Promise<void> {
  const registry = session.airlock.deps.workspaces;
  const workspace = (await registry.get('ws01'))!;
  const { rehashOnApproval: _absent, ...older } = workspace.airlock;
  await registry.replace({ ...workspace, airlock: older as AirlockSettings });
}

test('a new workspace does not re-hash at approval', async () => {
  expect((await readSettings()).airlock.rehashOnApproval).toBe(false);
  expect((await airlockSettingsOf(session.airlock.deps, 'ws01')).rehashOnApproval).toBe(false);
});

test('an administrator turns it on: kept, recorded as a change, and what the move to approved reads', async () => {
  const before = await readSettings();

  const put = await putSettings({ ...before.airlock, rehashOnApproval: true });

  expect(put.status).toBe(200);
  const after = await readSettings();
  expect(after.airlock).toEqual({ ...before.airlock, rehashOnApproval: true });
  expect(after.changes).toHaveLength(before.changes.length + 1);
  expect((await airlockSettingsOf(session.airlock.deps, 'ws01')).rehashOnApproval).toBe(true);
});

test('a workspace stored before the setting existed reads as off, and putting back what was read records no change', async () => {
  await storedWithoutRehashSetting();

  const read = await readSettings();
  expect(read.airlock.rehashOnApproval).toBe(false);
  expect((await airlockSettingsOf(session.airlock.deps, 'ws01')).rehashOnApproval).toBe(false);

  expect((await putSettings(read.airlock)).status).toBe(200);
  expect((await readSettings()).changes).toEqual(read.changes);
});

test('a PUT without it is refused, naming it, as for every other setting', async () => {
  const { rehashOnApproval: _omitted, ...withoutIt } = (await readSettings()).airlock;

  const put = await putSettings(withoutIt);

  expect(put.status).toBe(422);
  expect(body(put).detail).toContain('body.rehashOnApproval is required');
});
