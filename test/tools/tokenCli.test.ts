import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeJwt } from 'jose';
import { createTokenValidator, type TokenValidator } from '../../src/infra/identity/tokenValidator';
import { LOCAL_CORE_AUDIENCE, LocalIssuer, localWorkspaceAudience, signingKeyPath } from '../../src/local/localIssuer';
import { writeIssuerInfo } from '../../src/tools/tokenCli';
import { LocalFileRoleDirectory, localRoleGrantsDirectory } from '../../src/infra/identity/localRoleDirectory';
import { defaultAirlockSettings, Workspace } from '../../src/domain/workspace';

const REPO_ROOT = path.resolve(__dirname, '../..');
const ISSUER = 'http://127.0.0.1:7999/local-issuer';
const ONE_JWT_LINE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI from its TypeScript source, as `npm run token` runs the compiled one. */
function runCli(args: string[], env: Record<string, string | undefined>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'esbuild-register', 'src/tools/tokenCli.ts', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: undefined, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let dataDir: string;
let validator: TokenValidator;

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-token-cli-'));
  await writeIssuerInfo(dataDir, ISSUER);
  validator = createTokenValidator(
    { issuer: ISSUER, jwksUri: `${ISSUER}/unused`, coreAudience: LOCAL_CORE_AUDIENCE, workspaceAudiences: { demo: localWorkspaceAudience('demo') } },
    { fetchJwks: async () => (await LocalIssuer.open(dataDir, ISSUER)).jwks() },
  );
});

afterAll(async () => {
  await fs.rm(dataDir, { recursive: true, force: true });
});

describe('token CLI', () => {
  test('prints one workspace token that the validator accepts', async () => {
    const args = ['--workspace', 'demo', '--user', 'alice', '--name', 'Alice', '--email', 'alice@example.org', '--roles', 'WorkspaceResearcher'];
    const result = await runCli(args, { AIRLOCK_DATA_DIR: dataDir });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(ONE_JWT_LINE);
    const caller = await validator.authenticate(`Bearer ${result.stdout.trim()}`, { workspaceId: 'demo' });
    expect(caller).toEqual({ id: 'alice', name: 'Alice', email: 'alice@example.org', roles: ['WorkspaceResearcher'], workspaceId: 'demo' });
  });

  test('a TREAdmin token without --workspace is a core token, signed with the same stored key', async () => {
    const keyBefore = await fs.readFile(signingKeyPath(dataDir), 'utf8');
    const result = await runCli(['--user', 'root', '--roles', 'TREAdmin', '--expires-in', '120'], { AIRLOCK_DATA_DIR: dataDir });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(ONE_JWT_LINE);
    const caller = await validator.authenticate(`Bearer ${result.stdout.trim()}`, {});
    expect(caller).toEqual({ id: 'root', name: 'root', roles: ['TREAdmin'] });
    const claims = decodeJwt(result.stdout.trim());
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(120);
    expect(await fs.readFile(signingKeyPath(dataDir), 'utf8')).toBe(keyBefore);
  });

  test('the signing key is private to its owner', async () => {
    if (process.platform === 'win32') return; // POSIX modes only
    expect((await fs.stat(signingKeyPath(dataDir))).mode & 0o777).toBe(0o600);
  });

  test('without issuer.json the issuer URL is the local host on PORT', async () => {
    const freshDir = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-token-cli-'));
    try {
      const result = await runCli(['--user', 'alice', '--roles', 'TREUser'], { AIRLOCK_DATA_DIR: freshDir, PORT: '7123' });
      expect(result.code).toBe(0);
      expect(decodeJwt(result.stdout.trim()).iss).toBe('http://127.0.0.1:7123/local-issuer');
    } finally {
      await fs.rm(freshDir, { recursive: true, force: true });
    }
  });

  test("a workspace token records its roles as the user's grant there, which the local role directory reads; a core token records none", async () => {
    const grants = new LocalFileRoleDirectory(localRoleGrantsDirectory(dataDir));
    const airlock = defaultAirlockSettings({ maxFiles: 50, maxFileSizeMb: 1024, allowedFileTypes: ['csv'] });
    const workspaces: Workspace[] = ['demo', 'ws02'].map((id) => ({ id, displayName: id, audience: localWorkspaceAudience(id), airlock, changes: [] }));
    expect(Object.fromEntries(await grants.rolesOf('bob', workspaces))).toEqual({});

    expect((await runCli(['--workspace', 'demo', '--user', 'bob', '--roles', 'AirlockManager,WorkspaceOwner'], { AIRLOCK_DATA_DIR: dataDir })).code).toBe(0);
    expect((await runCli(['--user', 'bob', '--roles', 'TREUser'], { AIRLOCK_DATA_DIR: dataDir })).code).toBe(0);
    expect(Object.fromEntries(await grants.rolesOf('bob', workspaces))).toEqual({ demo: ['WorkspaceOwner', 'AirlockManager'] });

    // The latest token for the user and workspace says what they hold there.
    expect((await runCli(['--workspace', 'demo', '--user', 'bob', '--roles', 'WorkspaceResearcher'], { AIRLOCK_DATA_DIR: dataDir })).code).toBe(0);
    expect(Object.fromEntries(await grants.rolesOf('bob', workspaces))).toEqual({ demo: ['WorkspaceResearcher'] });
  });

  test('--help prints usage', async () => {
    const result = await runCli(['--help'], { AIRLOCK_DATA_DIR: dataDir });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: npm run -s token/);
  });

  test.each([
    [['--workspace', 'demo', '--roles', 'WorkspaceResearcher'], /--user is required/],
    [['--user', 'alice', '--roles', 'WorkspaceResearcher'], /'WorkspaceResearcher' is a workspace role; add --workspace/],
    [['--user', 'alice', '--workspace', 'demo', '--roles', 'TREAdmin'], /'TREAdmin' is a core role/],
    [['--user', 'alice', '--workspace', 'demo', '--roles', 'Researcher'], /unknown role 'Researcher'/],
    [['--user', 'alice', '--workspace', 'demo', '--expires-in', '0'], /--expires-in must be a positive whole number/],
    [['--user', 'alice', '--email', 'alice'], /--email 'alice' is not an email address/],
    [['--user', 'alice', '--bogus'], /Unknown option '--bogus'/],
  ])('%p exits 2 with a message and no token', async (args, message) => {
    const result = await runCli(args, { AIRLOCK_DATA_DIR: dataDir });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
  });
});
