/**
 * The TRE portal's calls around its pages (tre-facts §1.2, §1.4 step 3) and the CLI's `.metadata`
 * (§2.1), on in-memory adapters: each answers 200 with the list the portal reads, to those TRE would
 * answer, so a workspace page never fails on them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpResponseInit } from '@azure/functions';
import { Caller } from '../../../src/domain/roles';
import { getMetadata, getWorkspaceCosts, listOperations, listSharedServices, listWorkspaceServices } from '../../../src/functions/http/portalShell';
import { httpRequest, inMemoryAirlockForEachTest, invocationContext } from '../../support/inMemoryDependencies';

const session = inMemoryAirlockForEachTest({ workspaces: ['ws01', 'ws02'] });

const TINA: Caller = { id: 'user-tina', name: 'Tina TRE User', roles: ['TREUser'] };
const NINA: Caller = { id: 'user-nina', name: 'Nina No Role', roles: [] };
const signIn = (caller: Caller) => session.airlock.identity.signIn(caller.id, caller);

function callWorkspaceServices(workspaceId: string, authorization?: string): Promise<HttpResponseInit> {
  return listWorkspaceServices(
    httpRequest({ path: `workspaces/${workspaceId}/workspace-services`, params: { workspaceId }, authorization }),
    invocationContext('listWorkspaceServices'),
  );
}

describe('GET /api/workspaces/{ws}/workspace-services: whoever may read the workspace', () => {
  test('a member\'s workspace token: an empty list under workspaceServices', async () => {
    const response = await callWorkspaceServices('ws01', session.tokens.rita);
    expect(response.status).toBe(200);
    expect(response.jsonBody).toEqual({ workspaceServices: [] });
  });

  test('a TRE user with a role there per the directory, and an administrator: 200', async () => {
    session.airlock.roleDirectory.grant(TINA.id, 'ws01', 'AirlockManager');
    expect((await callWorkspaceServices('ws01', signIn(TINA))).status).toBe(200);
    expect((await callWorkspaceServices('ws02', session.tokens.admin)).status).toBe(200);
  });

  test('refused as reading the workspace is: another workspace 403, unknown 404 to an administrator, no token 401', async () => {
    expect((await callWorkspaceServices('ws02', session.tokens.rita)).status).toBe(403);
    expect((await callWorkspaceServices('ws01', signIn(TINA))).status).toBe(403);
    expect((await callWorkspaceServices('ws99', session.tokens.admin)).status).toBe(404);
    expect((await callWorkspaceServices('ws01')).status).toBe(401);
  });
});

describe('GET /api/workspaces/{ws}/costs: what the workspace page asks of an owner, so it shows no error banner', () => {
  const call = (workspaceId: string, authorization?: string) =>
    getWorkspaceCosts(httpRequest({ path: `workspaces/${workspaceId}/costs`, params: { workspaceId }, authorization }), invocationContext('getWorkspaceCosts'));

  test('no costs, in the shape the portal reads (costs, workspace_services)', async () => {
    const response = await call('ws01', session.tokens.olga);
    expect(response.status).toBe(200);
    expect(response.jsonBody).toEqual({ id: 'ws01', name: 'ws01', costs: [], workspace_services: [] });
  });

  test('refused as reading the workspace is', async () => {
    expect((await call('ws02', session.tokens.olga)).status).toBe(403);
    expect((await call('ws01')).status).toBe(401);
  });
});

describe.each([
  ['shared-services', listSharedServices, 'sharedServices'],
  ['operations', listOperations, 'operations'],
] as const)('GET /api/%s: a TRE user\'s core token', (route, handler, key) => {
  const call = (authorization?: string) => handler(httpRequest({ path: route, authorization }), invocationContext(route));

  test(`TREUser and TREAdmin get an empty list under ${key}`, async () => {
    for (const authorization of [signIn(TINA), session.tokens.admin]) {
      const response = await call(authorization);
      expect(response.status).toBe(200);
      expect(response.jsonBody).toEqual({ [key]: [] });
    }
  });

  test('a workspace token or a core token without a TRE role: 403; no token: 401', async () => {
    expect((await call(session.tokens.rita)).status).toBe(403);
    expect((await call(signIn(NINA))).status).toBe(403);
    expect((await call()).status).toBe(401);
  });
});

describe('GET /api/.metadata', () => {
  const call = (authorization?: string) => getMetadata(httpRequest({ path: '.metadata', authorization }), invocationContext('getMetadata'));
  const packageVersion = (JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as { version: string }).version;

  test('anonymous: the app\'s version and, from configuration, the API client id, root scope and Entra tenant', async () => {
    const clientId = '2f0c5e0a-6f1b-4a53-9d4e-0b7c3a1e9f10';
    const tenant = 'b1a2c3d4-0000-4000-8000-00000000abcd';
    const { identity } = session.airlock.deps.config;
    session.airlock.deps.config.identity = { ...identity, coreAudience: clientId, issuer: [`https://login.microsoftonline.com/${tenant}/v2.0`] };
    const response = await call();
    expect(response.status).toBe(200);
    expect(response.jsonBody).toEqual({
      api_version: packageVersion,
      api_client_id: clientId,
      api_root_scope: `api://${clientId}/user_impersonation`,
      aad_tenant_id: tenant,
    });
  });

  test('a token sent along changes nothing (the portal sends its core token)', async () => {
    expect((await call(session.tokens.admin)).jsonBody).toEqual((await call()).jsonBody);
  });
});
