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
 * the TRE's own audience, as the portal's and the CLI's first calls use.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CoreRole, WorkspaceRole } from '../../src/domain/roles';
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
  treAdmin: { workspaceRoles: [], coreRoles: ['TREAdmin'] },
} satisfies Record<string, { workspaceRoles: WorkspaceRole[]; coreRoles: CoreRole[] }>;
export type Persona = keyof typeof PERSONAS;

export interface AirlockUnderTest {
  api: AirlockClient;
  apiUrl: string;
  workspaceId: string;
  /** A workspace token of the persona for the test workspace, or with `'core'` a token of the TRE's audience. */
  token(persona: Persona, audience?: 'workspace' | 'core'): Promise<string>;
  /** The local host, when the tests started one; undefined against a deployment. */
  local?: LocalHostProcess;
  stop(): Promise<void>;
}

const run = promisify(execFile);

/**
 * `localWorkspaceId`: the workspace a local host gets for the tests (the TRE CLI accepts only UUIDs);
 * against a deployment, AIRLOCK_E2E_WORKSPACE names it.
 */
export async function openAirlockUnderTest(options: { env?: Record<string, string>; localWorkspaceId?: string } = {}): Promise<AirlockUnderTest> {
  const baseUrl = process.env.AIRLOCK_E2E_BASE_URL?.trim();
  return baseUrl ? deployment(baseUrl) : localAirlock(options.env ?? {}, options.localWorkspaceId ?? 'demo');
}

async function deployment(baseUrl: string): Promise<AirlockUnderTest> {
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

async function localAirlock(env: Record<string, string>, workspaceId: string): Promise<AirlockUnderTest> {
  const host = await startLocalHostProcess({ env: { AIRLOCK_LOCAL_WORKSPACES: workspaceId, ...env } });
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
      await host.stop();
    },
  };
}
