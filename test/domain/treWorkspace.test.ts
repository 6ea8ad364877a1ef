/**
 * A registry workspace as Azure TRE's API shows it: every field the TRE portal and the `tre` CLI read
 * (tre-facts §1.3, §1.4, §1.5, §2.2, §3.5), the scope and client id derived from the token audience,
 * and the `.metadata` document (§2.1).
 */
import {
  clientIdOfAudience,
  entraTenantOf,
  scopeIdOf,
  scopeIdProblem,
  TRE_WORKSPACE_TEMPLATE,
  treMetadataOf,
  treWorkspaceOf,
} from '../../src/domain/treWorkspace';
import { defaultAirlockSettings, newWorkspace, withSettings, Workspace } from '../../src/domain/workspace';

const CLIENT_ID = '2f0c5e0a-6f1b-4a53-9d4e-0b7c3a1e9f10';
const TENANT = 'b1a2c3d4-0000-4000-8000-00000000abcd';
const settings = defaultAirlockSettings({ maxFiles: 10, maxFileSizeMb: 100, allowedFileTypes: ['csv'] });
const OWEN = { id: 'owen', name: 'Owen Owner', email: 'owen@example.org' };

function workspace(overrides: Partial<Workspace> = {}): Workspace {
  return { ...newWorkspace({ id: 'ws01', displayName: 'Cancer cohort study', audience: CLIENT_ID }, settings), etag: '"0x8DA1"', ...overrides };
}

describe('client id and scope id from the token audience', () => {
  test.each([
    ['a v2 audience: the client id itself', CLIENT_ID, CLIENT_ID],
    ['api://<client id> names the client id', `api://${CLIENT_ID}`, CLIENT_ID],
    ['an identifier URI names no client id: it stands as it is', 'api://mytre-ws-ws01', 'api://mytre-ws-ws01'],
    ['the local host audience', 'api://airlock-local/workspaces/demo', 'api://airlock-local/workspaces/demo'],
  ])('client id: %s', (_case, audience, clientId) => {
    expect(clientIdOfAudience(audience)).toBe(clientId);
  });

  test.each([
    ['a client id becomes api://<client id>', CLIENT_ID, undefined, `api://${CLIENT_ID}`],
    ['an audience that is a URI is the scope', 'api://mytre-ws-ws01', undefined, 'api://mytre-ws-ws01'],
    ['an https identifier URI is the scope', 'https://contoso.onmicrosoft.com/ws01', undefined, 'https://contoso.onmicrosoft.com/ws01'],
    ['configuration wins over the audience', CLIENT_ID, 'api://mytre-ws-ws01', 'api://mytre-ws-ws01'],
  ])('scope id: %s', (_case, audience, configured, scopeId) => {
    expect(scopeIdOf(audience, configured)).toBe(scopeId);
  });

  test.each([
    ['api://mytre-ws-ws01', undefined],
    [CLIENT_ID, undefined],
    ['https://contoso.onmicrosoft.com/ws01', undefined],
    ['mytre-ws-ws01', /neither a URI/],
    ['', /neither a URI/],
    ['api://mytre-ws-ws01/user_impersonation', /ends with '\/user_impersonation'/],
    ['api://mytre-ws-ws01/.default', /ends with '\/\.default'/],
  ])('a configured scope id %j: %s', (value, problem) => {
    const found = scopeIdProblem(value);
    if (problem) expect(found).toMatch(problem);
    else expect(found).toBeUndefined();
  });
});

describe('the workspace in TRE shape', () => {
  test('carries every field the portal and the CLI read, in the types they expect', () => {
    expect(treWorkspaceOf(workspace())).toEqual({
      id: 'ws01',
      templateName: TRE_WORKSPACE_TEMPLATE.name,
      templateVersion: TRE_WORKSPACE_TEMPLATE.version,
      properties: {
        display_name: 'Cancer cohort study',
        description: '',
        scope_id: `api://${CLIENT_ID}`,
        client_id: CLIENT_ID,
        enable_airlock: true,
      },
      availableUpgrades: [],
      isEnabled: true,
      resourceType: 'workspace',
      deploymentStatus: 'deployed',
      _etag: '0x8DA1',
      resourcePath: '/workspaces/ws01',
      resourceVersion: 0,
      user: { id: 'airlock', name: 'Airlock', email: '' },
      updatedWhen: 0,
      workspaceURL: '',
    });
  });

  test('the configured scope id is the one shown', () => {
    expect(treWorkspaceOf(workspace(), { scopeId: 'api://mytre-ws-ws01' }).properties.scope_id).toBe('api://mytre-ws-ws01');
  });

  test('enable_airlock follows the airlock setting', () => {
    expect(treWorkspaceOf(workspace({ airlock: { ...settings, enabled: false } })).properties.enable_airlock).toBe(false);
    expect(treWorkspaceOf(workspace({ airlock: { ...settings, enabled: true } })).properties.enable_airlock).toBe(true);
  });

  test('after settings changes: version counts them, user and time are the last change\'s', () => {
    const once = withSettings(workspace(), { ...settings, requiredApprovals: 2 }, { id: 'ada', name: 'Ada Admin' }, 1_780_000_000);
    const twice = withSettings(once, { ...settings, enabled: false }, OWEN, 1_780_000_500);
    const shown = treWorkspaceOf(twice);
    expect(shown).toMatchObject({ resourceVersion: 2, updatedWhen: 1_780_000_500, user: { id: 'owen', name: 'Owen Owner', email: 'owen@example.org' } });
    expect(shown.properties.enable_airlock).toBe(false);
  });

  test('review VM configuration is absent: the registry has none, and the portal would expect VMs wherever it is present', () => {
    expect(treWorkspaceOf(workspace()).properties).not.toHaveProperty('airlock_review_config');
  });

  test('a workspace without an etag has an empty _etag', () => {
    expect(treWorkspaceOf(workspace({ etag: undefined }))._etag).toBe('');
  });
});

describe('.metadata', () => {
  test('names the API client id, its root scope and the Entra tenant of the issuer', () => {
    const metadata = treMetadataOf({
      apiVersion: '0.1.0',
      coreAudience: CLIENT_ID,
      issuers: [`https://login.microsoftonline.com/${TENANT}/v2.0`, `https://sts.windows.net/${TENANT}/`],
    });
    expect(metadata).toEqual({
      api_version: '0.1.0',
      api_client_id: CLIENT_ID,
      api_root_scope: `api://${CLIENT_ID}/user_impersonation`,
      aad_tenant_id: TENANT,
    });
  });

  test('an issuer that is not Entra ID\'s gives an empty tenant; a URI audience is its own scope', () => {
    const metadata = treMetadataOf({ apiVersion: '0.1.0', coreAudience: 'api://airlock-local/core', issuers: ['http://127.0.0.1:7071/local-issuer'] });
    expect(metadata).toMatchObject({ api_client_id: 'api://airlock-local/core', api_root_scope: 'api://airlock-local/core/user_impersonation', aad_tenant_id: '' });
  });

  test.each([
    [`https://login.microsoftonline.com/${TENANT}/v2.0`, TENANT],
    [`https://sts.windows.net/${TENANT.toUpperCase()}/`, TENANT],
    [`https://login.microsoftonline.us/${TENANT}/v2.0`, TENANT],
    ['https://login.microsoftonline.com/common/v2.0', undefined],
    ['not a url', undefined],
  ])('the tenant of %s', (issuer, tenant) => {
    expect(entraTenantOf(issuer)).toBe(tenant);
  });
});
