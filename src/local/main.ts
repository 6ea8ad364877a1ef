/** `npm start`: the airlock on this machine, without Azure Functions Core Tools. */
import { setFlagsFromString } from 'node:v8';
import { installFunctionsCore } from './functionsCore';
import { errorText } from '../domain/errorText';

// Under load V8 let each heap (the app's and Azurite's thread's) grow to about three times what was
// live before collecting: 500 lifecycles at once peaked at 550 MiB with under 200 MiB live. Letting
// a heap at most double held the peak under 400 MiB at the same throughput (docs/performance.md).
// Set before the heaps grow; the Azurite thread, started later, shares the process's flags.
setFlagsFromString('--heap-growing-percent=100');

// Before anything loads @azure/functions: it must find the stand-in for the worker's core module.
installFunctionsCore();
const { startLocalHost } = require('./localHost') as typeof import('./localHost');

async function main(): Promise<void> {
  const dataDir = process.env.AIRLOCK_DATA_DIR ?? '.airlock';
  const port = Number(process.env.PORT ?? 7071);
  const extra = (process.env.AIRLOCK_LOCAL_WORKSPACES ?? '').split(',').map((w) => w.trim()).filter(Boolean);
  const host = await startLocalHost({ dataDir, port, workspaces: extra });

  console.log(
    [
      '',
      '  Airlock local host',
      `  API          ${host.apiUrl}          (health: ${host.apiUrl}/health)`,
      `  console: ${host.consoleUrl}   (sign in as any user and roles: the local host's development sign-in)`,
      `  data dir     ${host.dataDir}`,
      `  workspaces   ${host.workspaces.join(', ')}`,
      `  storage      Azurite ${host.azurite.blobOrigin} (one account per stage); tables ${host.azurite.tableOrigin}`,
      `  scanning     ${host.scanning}`,
      `  mail         ${host.mail}`,
      `  events       published to the local topic; webhooks: ${host.eventWebhooks.join(', ') || 'none'}`,
      `  durable      management API ${host.origin}/runtime/webhooks/durabletask/instances needs the system key`,
      `               (?code= or x-functions-key): "systemKey" in ${host.systemKeyFile}`,
      '  tokens       npm run -s token -- --workspace demo --user alice --name "Alice" --email alice@example.org --roles WorkspaceResearcher',
      '               (roles: WorkspaceResearcher, WorkspaceOwner, AirlockManager; --roles TREAdmin or TREUser without --workspace for a core token;',
      '               a workspace token\'s roles are recorded, so the same user\'s core token then sees that workspace, as Entra ID would tell)',
      '',
      `Airlock local host listening on ${host.apiUrl}`,
    ].join('\n'),
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping the airlock local host`);
    host.close().then(
      () => process.exit(0),
      (error) => {
        console.error('stopping failed', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error) => {
  console.error(errorText(error));
  process.exit(1);
});
