/**
 * The airlock a black-box test talks to: a deployment named by the environment, or else a local
 * host started for the test. Black-box tests use only its API URL and the personas' tokens (HTTP
 * and SAS URLs), so the same tests run against a Function App in Azure:
 *
 *   AIRLOCK_E2E_BASE_URL       the API root, e.g. https://func-airlock.azurewebsites.net/api
 *   AIRLOCK_E2E_WORKSPACE      the workspace the tests may create requests in
 *   AIRLOCK_E2E_TOKEN_COMMAND  a command printing a bearer token, run as `<command> <persona> <workspace id | core>`
 *                              (e.g. a script around `az account get-access-token` for test identities)
 *
 * Each persona is one identity with the roles below, in that workspace; `core` asks for a token of
 * the TRE's own audience, as the portal's and the CLI's first calls use. The treAdmin persona changes
 * the workspace's airlock settings for some tests and puts them back afterwards. Run the files one at
 * a time against a deployment (`--runInBand`): they share its workspace and its settings.
 *
 * Tests that need the local host itself (its data directory, its storage keys, its process) are
 * declared with `describeLocalOnly` / `testLocalOnly`, and skipped against a deployment with the reason.
 */
import { execFile } from 'node:child_process';
import { isDeepStrictEqual, promisify } from 'node:util';
import { CoreRole, WorkspaceRole } from '../../src/domain/roles';
import { StageAccount } from '../../src/domain/stages';
import { AirlockSettings } from '../../src/domain/workspace';
import { localRoleGrantsDirectory, recordLocalGrant } from '../../src/infra/identity/localRoleDirectory';
import { AirlockClient, localCoreToken, localTokens } from './airlockClient';
import { LocalHostProcess, startLocalHostProcess } from './localHostProcess';

/** Who the tests act as; a deployment provides one identity per persona with exactly these roles. */
export const PERSONAS = {
  researcher: { workspaceRoles: ['WorkspaceResearcher'], coreRoles: ['TREUser'] },
  otherResearcher: { workspaceRoles: ['WorkspaceResearcher'], coreRoles: ['TREUser'] },
  manager: { workspaceRoles: ['AirlockManager'], coreRoles: ['TREUser'] },
  otherManager: { workspaceRoles: ['AirlockManager'], coreRoles: ['TREUser'] },
  owner: { workspaceRoles: ['WorkspaceOwner'], coreRoles: ['TREUser'] },
  /** Azure TRE's own end-to-end tests create and review with one such token. */
  ownerAndManager: { workspaceRoles: ['WorkspaceOwner', 'AirlockManager'], coreRoles: ['TREUser'] },
  /** A researcher who is also an Airlock Manager: may review others' requests, never their own. */
  researcherAndManager: { workspaceRoles: ['WorkspaceResearcher', 'AirlockManager'], coreRoles: ['TREUser'] },
  treAdmin: { workspaceRoles: [], coreRoles: ['TREAdmin'] },
} satisfies Record<string, { workspaceRoles: WorkspaceRole[]; coreRoles: CoreRole[] }>;
export type Persona = keyof typeof PERSONAS;

export interface AirlockUnderTest {
  api: AirlockClient;
  apiUrl: string;
  workspaceId: string;
  /** A workspace token of the persona for the test workspace, or with `'core'` a token of the TRE's audience. */
  token(persona: Persona, audience?: 'workspace' | 'core'): Promise<string>;
  /** Workspace tokens of several personas at once, by persona. */
  tokens<P extends Persona>(...personas: P[]): Promise<Record<P, string>>;
  /** The user id the airlock records for the persona (`createdBy.id`, a reviewer's id, an audit entry's actor). */
  userId(persona: Persona): Promise<string>;
  /** The real names of the workspace's stage accounts, by role (`stalimex`, `stalexapp`, ...), as a TRE admin reads them. */
  stageAccounts(): Promise<Record<StageAccount, string>>;
  /**
   * Changes some of the workspace's airlock settings as the treAdmin persona; resolves to the function
   * that puts back what they were, for a test that changes them for a while. Whatever is left changed,
   * `stop` puts back as it was before the first change, pass or fail: a deployment is shared.
   */
  changeSettings(changes: Partial<AirlockSettings>): Promise<() => Promise<void>>;
  /** The local host, when the tests started one; undefined against a deployment. */
  local?: LocalHostProcess;
  /**
   * Puts back the settings `changeSettings` changed, then stops the local host, and fails when it
   * does not exit cleanly; against a deployment, only the settings.
   */
  stop(): Promise<void>;
}

const run = promisify(execFile);

/** Whether AIRLOCK_E2E_BASE_URL names a deployment: known when the test file is read, so local-only tests are skipped rather than failed. */
export function againstDeployment(): boolean {
  return Boolean(process.env.AIRLOCK_E2E_BASE_URL?.trim());
}

/** `describe` for tests that need the local host itself; against a deployment, skipped, saying what they need. */
export function describeLocalOnly(name: string, needs: string, fn: () => void): void {
  if (!againstDeployment()) return describe(name, fn);
  console.warn(`skipped against a deployment ("${name}"): it needs ${needs}`);
  describe.skip(`${name} [local host only: needs ${needs}]`, fn);
}

/** `test` for a test that needs the local host itself; against a deployment, skipped, saying what it needs. */
export function testLocalOnly(name: string, needs: string, fn: () => Promise<void>, timeoutMs?: number): void {
  if (!againstDeployment()) return test(name, fn, timeoutMs);
  console.warn(`skipped against a deployment ("${name}"): it needs ${needs}`);
  test.skip(`${name} [local host only: needs ${needs}]`, fn, timeoutMs);
}

/** The local host, inside a local-only test. */
export function localHostOf(airlock: AirlockUnderTest): LocalHostProcess {
  if (!airlock.local) throw new Error('this test needs the local host; declare it with testLocalOnly or describeLocalOnly');
  return airlock.local;
}

/**
 * The storage account and container a container link points into: Azure puts the account in the
 * host name (`https://<account>.blob.core.windows.net/<container>`), Azurite in the path
 * (`http://127.0.0.1:<port>/<account>/<container>`).
 */
export function stageContainerOf(containerUrl: string): { account: string; container: string } {
  const url = new URL(containerUrl);
  const segments = url.pathname.split('/').filter(Boolean);
  return segments.length >= 2 ? { account: segments[0], container: segments[1] } : { account: url.hostname.split('.')[0], container: segments[0] };
}

/**
 * `localWorkspaceId`: the workspace a local host gets for the tests (the TRE CLI accepts only UUIDs);
 * against a deployment, AIRLOCK_E2E_WORKSPACE names it.
 */
export async function openAirlockUnderTest(options: { env?: Record<string, string>; localWorkspaceId?: string } = {}): Promise<AirlockUnderTest> {
  const baseUrl = process.env.AIRLOCK_E2E_BASE_URL?.trim();
  return withBlackBoxHelpers(await (baseUrl ? deployment(baseUrl) : localAirlock(options.env ?? {}, options.localWorkspaceId ?? 'demo')));
}

type OpenedAirlock = Omit<AirlockUnderTest, 'tokens' | 'userId' | 'stageAccounts' | 'changeSettings'>;

/** What tests need beyond tokens, made of HTTP calls only: the same against a deployment and the local host. */
function withBlackBoxHelpers(airlock: OpenedAirlock): AirlockUnderTest {
  const settingsPath = `/workspaces/${airlock.workspaceId}/airlock-settings`;
  const readWorkspace = async () => {
    const answer = await airlock.api.call('GET', settingsPath, await airlock.token('treAdmin', 'core'));
    if (answer.status !== 200) throw new Error(`GET ${settingsPath} as treAdmin answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body.workspace as { airlock: AirlockSettings; storageAccounts: Record<StageAccount, string> };
  };
  const putSettings = async (settings: AirlockSettings) => {
    const answer = await airlock.api.call('PUT', settingsPath, await airlock.token('treAdmin', 'core'), settings);
    if (answer.status !== 200) throw new Error(`PUT ${settingsPath} as treAdmin answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  };
  let stageAccounts: Promise<Record<StageAccount, string>> | undefined;
  let original: AirlockSettings | undefined;
  return {
    ...airlock,
    async stop() {
      try {
        if (original) await putSettings(original);
      } finally {
        await airlock.stop();
      }
    },
    async tokens(...personas) {
      const entries = await Promise.all(personas.map(async (persona) => [persona, await airlock.token(persona)] as const));
      return Object.fromEntries(entries) as Record<(typeof personas)[number], string>;
    },
    async userId(persona) {
      // The airlock's rule for every token: Entra ID's object id, else the subject.
      const claims = JSON.parse(Buffer.from((await airlock.token(persona)).split('.')[1] ?? '', 'base64url').toString('utf8'));
      const id = claims.oid ?? claims.sub;
      if (typeof id !== 'string' || !id) throw new Error(`the ${persona} token names no user (no 'oid' or 'sub' claim)`);
      return id;
    },
    stageAccounts() {
      stageAccounts ??= readWorkspace().then((workspace) => workspace.storageAccounts);
      return stageAccounts;
    },
    async changeSettings(changes) {
      const before = (await readWorkspace()).airlock;
      const after = { ...before, ...changes };
      // Every PUT is kept in the workspace's change history: none when nothing changes.
      if (isDeepStrictEqual(before, after)) return async () => undefined;
      original ??= before;
      await putSettings(after);
      return () => putSettings(before);
    },
  };
}

async function deployment(baseUrl: string): Promise<OpenedAirlock> {
  const workspaceId = process.env.AIRLOCK_E2E_WORKSPACE?.trim();
  const command = process.env.AIRLOCK_E2E_TOKEN_COMMAND?.trim();
  if (!workspaceId || !command) throw new Error('AIRLOCK_E2E_BASE_URL needs AIRLOCK_E2E_WORKSPACE and AIRLOCK_E2E_TOKEN_COMMAND too');
  const tokens = new Map<string, Promise<string>>();
  const apiUrl = baseUrl.replace(/\/+$/, '');
  return {
    api: new AirlockClient(apiUrl),
    apiUrl,
    workspaceId,
    token(persona, audience = 'workspace') {
      const key = `${persona} ${audience}`;
      if (!tokens.has(key)) {
        tokens.set(key, run(command, [persona, audience === 'core' ? 'core' : workspaceId], { shell: true }).then(({ stdout }) => stdout.trim()));
      }
      return tokens.get(key)!;
    },
    stop: async () => undefined,
  };
}

async function localAirlock(env: Record<string, string>, workspaceId: string): Promise<OpenedAirlock> {
  const workspaces = [workspaceId, ...(env.AIRLOCK_LOCAL_WORKSPACES ?? '').split(',')].filter(Boolean).join(',');
  const host = await startLocalHostProcess({ env: { ...env, AIRLOCK_LOCAL_WORKSPACES: workspaces } });
  const workspaceToken = await localTokens(host.dataDir);
  const coreToken = await localCoreToken(host.dataDir);
  // As Entra ID holds app role assignments before anyone signs in, every persona's roles are on record
  // from the start (the token CLI records them the same way), for calls made with a core token.
  for (const [persona, { workspaceRoles }] of Object.entries(PERSONAS)) {
    if (workspaceRoles.length > 0) await recordLocalGrant(localRoleGrantsDirectory(host.dataDir), { userId: persona, workspaceId, roles: workspaceRoles });
  }
  return {
    api: new AirlockClient(host.apiUrl),
    apiUrl: host.apiUrl,
    workspaceId,
    async token(persona, audience = 'workspace') {
      const { workspaceRoles, coreRoles } = PERSONAS[persona];
      return audience === 'core' ? coreToken(persona, ...coreRoles) : workspaceToken(workspaceId, persona, ...workspaceRoles);
    },
    local: host,
    stop: async () => {
      const exitCode = await host.stop();
      if (exitCode !== 0) throw new Error(`the local host exited with ${exitCode} when stopped:\n${host.output()}`);
    },
  };
}
