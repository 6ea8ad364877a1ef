/**
 * The calls the TRE portal makes around its airlock pages, answered with what this airlock has:
 * no workspace services, no shared services, no operations, no costs. They exist because the portal fails a
 * whole page when one of them fails: the workspace page loads the workspace, its workspace services
 * and the shared services in one step, and any error there replaces the page, Airlock included
 * (tre-facts §1.2, §1.4 step 3); the notification panel needs `operations` to be a list. The `tre`
 * CLI reads `.metadata` to sign in without being told the API's client id, scope and tenant (§2.1).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { requireTreUser } from '../../domain/permissions';
import { treMetadataOf } from '../../domain/treWorkspace';
import { getDependencies } from '../../infra/dependencies';
import { answering, json } from './httpMapping';
import { authenticate } from './requestAccess';
import { loadVisibleWorkspace } from './workspaces';

/** Whoever may read the workspace, asked the way the portal asks it: with the workspace token. */
export const listWorkspaceServices = answering(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
  const deps = await getDependencies();
  await loadVisibleWorkspace(request, deps);
  return json(200, { workspaceServices: [] });
});

/** The workspace page asks for costs when the caller is a Workspace Owner; without an answer it shows an error banner. */
export const getWorkspaceCosts = answering(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
  const deps = await getDependencies();
  const workspace = await loadVisibleWorkspace(request, deps);
  return json(200, { id: workspace.id, name: workspace.displayName, costs: [], workspace_services: [] });
});

export const listSharedServices = answering(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
  const deps = await getDependencies();
  requireTreUser(await authenticate(request, deps), 'list shared services');
  return json(200, { sharedServices: [] });
});

export const listOperations = answering(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
  const deps = await getDependencies();
  requireTreUser(await authenticate(request, deps), 'list operations');
  return json(200, { operations: [] });
});

/** Anonymous, as in Azure TRE: it names the API's app registration and tenant, nothing about workspaces or people. */
export const getMetadata = answering(async (_request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
  const { config } = await getDependencies();
  return json(200, treMetadataOf({ apiVersion: appVersion(), coreAudience: config.identity.coreAudience, issuers: config.identity.issuer }));
});

let version: string | undefined;

/**
 * package.json's version. It sits at the root both of the working tree and of the deployed package,
 * two or three folders above this file (src/... when the tests load the source, dist/src/... built).
 */
function appVersion(): string {
  version ??= versionAbove(__dirname) ?? 'unknown';
  return version;
}

function versionAbove(start: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (manifest.name === 'airlock' && typeof manifest.version === 'string') return manifest.version;
    } catch {
      // not here (or not readable): look one folder up
    }
    if (dirname(dir) === dir) return undefined;
  }
}

app.http('listWorkspaceServices', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'workspaces/{workspaceId}/workspace-services',
  handler: listWorkspaceServices,
});
app.http('getWorkspaceCosts', { methods: ['GET'], authLevel: 'anonymous', route: 'workspaces/{workspaceId}/costs', handler: getWorkspaceCosts });
app.http('listSharedServices', { methods: ['GET'], authLevel: 'anonymous', route: 'shared-services', handler: listSharedServices });
app.http('listOperations', { methods: ['GET'], authLevel: 'anonymous', route: 'operations', handler: listOperations });
// A literal segment that starts with a dot: the local host's router serves it (test/e2e/treWorkspaces.e2e.test.ts);
// ASP.NET Core's template parser gives '.' a meaning only before an optional parameter, so the Functions host
// should take it as a literal too, which no test here can show.
app.http('getMetadata', { methods: ['GET'], authLevel: 'anonymous', route: '.metadata', handler: getMetadata });
