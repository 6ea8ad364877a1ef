/** How this deployment signs people in, from /api/console/config.json (served to anyone, before sign-in). */

export type ConsoleConfig =
  | { signIn: 'local'; devSignInUrl: string }
  | { signIn: 'entra'; clientId: string; authority: string; coreScope: string };

export async function loadConsoleConfig(signal?: AbortSignal): Promise<ConsoleConfig> {
  const response = await fetch('/api/console/config.json', { headers: { Accept: 'application/json' }, signal });
  if (!response.ok) throw new Error(`The console's configuration did not load (${response.status} ${response.statusText}).`);
  const config = (await response.json()) as Partial<ConsoleConfig> & Record<string, unknown>;
  if (config.signIn === 'local' && typeof config.devSignInUrl === 'string') return { signIn: 'local', devSignInUrl: config.devSignInUrl };
  if (config.signIn === 'entra' && typeof config.clientId === 'string' && typeof config.authority === 'string' && typeof config.coreScope === 'string') {
    return { signIn: 'entra', clientId: config.clientId, authority: config.authority, coreScope: config.coreScope };
  }
  throw new Error(`The console's configuration names no sign-in it knows: ${JSON.stringify(config)}`);
}
