/**
 * Mints a bearer token from the local issuer, for curl and scripts:
 *   npm run -s token -- --workspace demo --user alice --roles WorkspaceResearcher
 * Only the token goes to stdout, so `TOKEN=$(npm run -s token -- ...)` works.
 */
import { parseArgs } from 'node:util';
import { CORE_ROLES, WORKSPACE_ROLES, type Role, type WorkspaceRole } from '../domain/roles';
import { localRoleGrantsDirectory, recordLocalGrant } from '../infra/identity/localRoleDirectory';
import { LOCAL_CORE_AUDIENCE, LocalIssuer, localWorkspaceAudience, readIssuerInfo, type MintRequest } from '../local/localIssuer';
import { errorText } from '../domain/errorText';

export { writeIssuerInfo } from '../local/localIssuer';

const USAGE = `Usage: npm run -s token -- --user <id> [options]

Prints a bearer token signed by the local issuer (only the token, on stdout).

  --user <id>            caller id (oid/sub claims)                       required
  --name <text>          display name                                     default: the user id
  --email <address>      email address
  --workspace <id>       mint a workspace token (audience of that workspace);
                         without it the token is for the core audience
  --roles <a,b>          comma-separated: ${WORKSPACE_ROLES.join(', ')}
                         (need --workspace) or ${CORE_ROLES.join(', ')} (core token)
  --expires-in <seconds> lifetime                                         default: 3600
  --help                 this text

A workspace token also records its roles as everything the user holds in that workspace
(<data dir>/role-grants; the latest token minted for a user and workspace counts). The local
host's role directory reads these grants for core tokens, as Azure reads Entra ID's app role
assignments: e.g. GET /api/requests?airlock_manager=true lists the workspaces where the user was
last minted an AirlockManager token.

Environment: AIRLOCK_DATA_DIR (default ./.airlock); PORT, used for the issuer URL when
the host has not written <data dir>/identity/issuer.json (default 7071).`;

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

/** A mistake in the command line: reported with exit code 2. */
class UsageError extends Error {}

type TokenOrder = Omit<MintRequest, 'audience'> & { workspaceId?: string };

export function parseTokenArguments(argv: string[]): TokenOrder | 'help' {
  const { values } = parseCommandLine(argv);
  if (values.help) return 'help';
  const subject = values.user?.trim();
  if (!subject) throw new UsageError('--user is required');
  const workspaceId = values.workspace?.trim();
  if (workspaceId !== undefined && !/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(workspaceId)) {
    throw new UsageError(`--workspace '${workspaceId}' must be letters, digits or '-'`);
  }
  if (values.email !== undefined && !values.email.includes('@')) {
    throw new UsageError(`--email '${values.email}' is not an email address`);
  }
  return {
    subject,
    name: values.name?.trim() || subject,
    email: values.email,
    workspaceId,
    roles: rolesFor(values.roles, workspaceId),
    expiresInSeconds: values['expires-in'] === undefined ? undefined : positiveSeconds(values['expires-in']),
  };
}

function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        user: { type: 'string' },
        name: { type: 'string' },
        email: { type: 'string' },
        workspace: { type: 'string' },
        roles: { type: 'string' },
        'expires-in': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(errorText(error));
  }
}

/** A token carries the roles of one audience only, so workspace and core roles cannot be mixed. */
function rolesFor(list: string | undefined, workspaceId: string | undefined): Role[] {
  const names = (list ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  return [...new Set(names)].map((name) => {
    if (isOneOf(name, WORKSPACE_ROLES)) {
      if (workspaceId === undefined) throw new UsageError(`role '${name}' is a workspace role; add --workspace <id>`);
      return name;
    }
    if (isOneOf(name, CORE_ROLES)) {
      if (workspaceId !== undefined) throw new UsageError(`role '${name}' is a core role; drop --workspace for a core token`);
      return name;
    }
    throw new UsageError(`unknown role '${name}'; known roles: ${[...WORKSPACE_ROLES, ...CORE_ROLES].join(', ')}`);
  });
}

function isOneOf<T extends string>(name: string, set: readonly T[]): name is T {
  return (set as readonly string[]).includes(name);
}

function positiveSeconds(text: string): number {
  const seconds = Number(text);
  if (!Number.isInteger(seconds) || seconds <= 0) throw new UsageError(`--expires-in must be a positive whole number of seconds (got '${text}')`);
  return seconds;
}

async function issuerUrl(dataDir: string, env: NodeJS.ProcessEnv): Promise<string> {
  return (await readIssuerInfo(dataDir)) ?? `http://127.0.0.1:${env.PORT?.trim() || 7071}/local-issuer`;
}

async function mintToken(order: TokenOrder, env: NodeJS.ProcessEnv): Promise<string> {
  const dataDir = env.AIRLOCK_DATA_DIR?.trim() || './.airlock';
  const issuer = await LocalIssuer.open(dataDir, await issuerUrl(dataDir, env));
  const { workspaceId, ...request } = order;
  const audience = workspaceId === undefined ? LOCAL_CORE_AUDIENCE : localWorkspaceAudience(workspaceId);
  const token = await issuer.mint({ ...request, audience });
  if (workspaceId !== undefined) {
    // What Entra ID's app role assignments are in Azure: the local host's role directory reads it for core tokens.
    const roles = request.roles.filter((role): role is WorkspaceRole => isOneOf(role, WORKSPACE_ROLES));
    await recordLocalGrant(localRoleGrantsDirectory(dataDir), { userId: request.subject, workspaceId, roles });
  }
  return token;
}

interface Output {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export async function runTokenCli(argv: string[], env: NodeJS.ProcessEnv, output: Output): Promise<number> {
  try {
    const order = parseTokenArguments(argv);
    if (order === 'help') {
      output.stdout.write(USAGE + '\n');
      return EXIT_OK;
    }
    output.stdout.write((await mintToken(order, env)) + '\n');
    return EXIT_OK;
  } catch (error) {
    if (error instanceof UsageError) {
      output.stderr.write(`token: ${error.message}\n\n${USAGE}\n`);
      return EXIT_USAGE;
    }
    output.stderr.write(`token: ${errorText(error)}\n`);
    return EXIT_FAILED;
  }
}

if (require.main === module) {
  // exitCode rather than exit(): the token must be flushed to a pipe before the process ends.
  void runTokenCli(process.argv.slice(2), process.env, process).then((code) => (process.exitCode = code));
}
