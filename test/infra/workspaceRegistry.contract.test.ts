/**
 * One contract, two adapters: every assertion below runs against the Cosmos registry (on the
 * Cosmos-compatible @vercel/cosmosdb-server) and the Table registry (on embedded Azurite), both
 * started in this process on free loopback ports.
 */
import { randomUUID } from 'node:crypto';
import https from 'node:https';
import net from 'node:net';
import { CosmosClient } from '@azure/cosmos';
import { TableClient } from '@azure/data-tables';
import { createHttpsServer } from '@vercel/cosmosdb-server';
import { ConflictError, DependencyError, InvariantError } from '../../src/domain/errors';
import { UserRef } from '../../src/domain/roles';
import { AirlockSettings, defaultAirlockSettings, newWorkspace, Workspace, WorkspaceSeed, withSettings } from '../../src/domain/workspace';
import { newAccountKey, startAzurite } from '../../src/local/azurite';
import { CosmosWorkspaceRegistry } from '../../src/infra/cosmosWorkspaceRegistry';
import { TableWorkspaceRegistry } from '../../src/infra/tableWorkspaceRegistry';
import { WorkspaceRegistry } from '../../src/infra/workspaceRegistry';

interface RunningRegistry {
  registry: WorkspaceRegistry;
  /** Connects again to the same database/table: creation must be idempotent. */
  reconnect(): Promise<WorkspaceRegistry>;
  /** A registry of the same kind pointed at a port nobody listens on. */
  unreachable(): Promise<WorkspaceRegistry>;
  stop(): Promise<void>;
}

interface RegistryFixture {
  name: string;
  start(): Promise<RunningRegistry>;
}

async function closedLoopbackPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const cosmosFixture: RegistryFixture = {
  name: 'CosmosWorkspaceRegistry on @vercel/cosmosdb-server',
  async start() {
    const server = createHttpsServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const connect = () => CosmosWorkspaceRegistry.connect({ endpoint, key: 'local-key-not-checked', database: 'airlock', allowSelfSigned: true });
    const registries: CosmosWorkspaceRegistry[] = [await connect()];
    const unreachableClients: CosmosClient[] = [];
    return {
      registry: registries[0],
      async reconnect() {
        registries.push(await connect());
        return registries[registries.length - 1];
      },
      async unreachable() {
        const client = new CosmosClient({
          endpoint: `https://127.0.0.1:${await closedLoopbackPort()}`,
          key: 'local-key-not-checked',
          agent: new https.Agent({ rejectUnauthorized: false }),
          connectionPolicy: { enableEndpointDiscovery: false },
        });
        unreachableClients.push(client);
        return new CosmosWorkspaceRegistry({ container: client.database('airlock').container('workspaces') });
      },
      async stop() {
        for (const registry of registries) registry.close();
        for (const client of unreachableClients) client.dispose();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      },
    };
  },
};

const tableFixture: RegistryFixture = {
  name: 'TableWorkspaceRegistry on Azurite',
  async start() {
    const account = 'airlockregistry';
    const azurite = await startAzurite({ accounts: { [account]: newAccountKey() } });
    const connect = () => TableWorkspaceRegistry.connect({ connectionString: azurite.connectionString(account) });
    return {
      registry: await connect(),
      reconnect: connect,
      async unreachable() {
        const port = await closedLoopbackPort();
        const connectionString = azurite.connectionString(account).replace(/TableEndpoint=http:\/\/[^/]+/, `TableEndpoint=http://127.0.0.1:${port}`);
        // No retries: the point is the error's type, not how long the SDK keeps trying.
        const table = TableClient.fromConnectionString(connectionString, 'airlockworkspaces', { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } });
        return new TableWorkspaceRegistry({ tableClient: table });
      },
      stop: () => azurite.close(),
    };
  },
};

// ---- building documents ----

const admin: UserRef = { id: 'user-admin', name: 'Ada Admin', email: 'ada@example.org' };
const otherAdmin: UserRef = { id: 'user-admin-2', name: 'Otto Admin' };
const BASE_TIME = 1_780_000_000;

const DEFAULTS: AirlockSettings = defaultAirlockSettings({ maxFiles: 50, maxFileSizeMb: 1024, allowedFileTypes: ['csv', 'txt', 'pdf'] });

function seed(overrides: Partial<WorkspaceSeed> = {}): WorkspaceSeed {
  const id = overrides.id ?? `ws-${randomUUID()}`;
  return { id, displayName: `Workspace ${id.slice(3, 11)}`, audience: `api://workspace-${randomUUID()}`, ...overrides };
}

function workspace(overrides: Partial<WorkspaceSeed> = {}): Workspace {
  return newWorkspace(seed(overrides), DEFAULTS);
}

function withoutEtag(document: Workspace): Omit<Workspace, 'etag'> {
  const { etag: _etag, ...rest } = document;
  return rest;
}

describe.each([cosmosFixture, tableFixture])('WorkspaceRegistry contract: $name', (fixture) => {
  let running: RunningRegistry;
  let registry: WorkspaceRegistry;

  beforeAll(async () => {
    running = await fixture.start();
    registry = running.registry;
  });

  afterAll(async () => {
    await running?.stop();
  });

  describe('create, get and list', () => {
    test('create then get round-trips the document with an etag', async () => {
      const document = workspace();
      const created = await registry.create(document);
      expect(typeof created.etag).toBe('string');
      expect(created.etag).not.toBe('');
      expect(withoutEtag(created)).toEqual(document);
      expect(await registry.get(document.id)).toEqual(created);
    });

    test('documents carry no store system fields and an etag passed in is ignored', async () => {
      const created = await registry.create({ ...workspace(), etag: 'made-up' });
      expect(created.etag).not.toBe('made-up');
      const read = (await registry.get(created.id))!;
      const unexpected = Object.keys(read).filter((key) => key.startsWith('_') || ['partitionKey', 'rowKey', 'timestamp'].includes(key));
      expect(unexpected).toEqual([]);
    });

    test('get of an unknown id is undefined', async () => {
      expect(await registry.get(`ws-${randomUUID()}`)).toBeUndefined();
    });

    test('list holds every created workspace, as get returns it, ordered by id', async () => {
      const created = [await registry.create(workspace()), await registry.create(workspace()), await registry.create(workspace())];
      const listed = await registry.list();
      const ids = listed.map((entry) => entry.id);
      expect(ids).toEqual([...ids].sort());
      for (const entry of created) expect(listed.find((candidate) => candidate.id === entry.id)).toEqual(entry);
    });

    test('connecting again to an existing database/table is fine and sees the same data', async () => {
      const created = await registry.create(workspace());
      const again = await running.reconnect();
      expect(await again.get(created.id)).toEqual(created);
    });

    test('creating the same id twice fails with ConflictError and keeps the first', async () => {
      const first = workspace();
      const created = await registry.create(first);
      const failure = registry.create({ ...first, displayName: 'second' });
      await expect(failure).rejects.toBeInstanceOf(ConflictError);
      await expect(failure).rejects.toThrow(`Workspace ${first.id} already exists`);
      expect(await registry.get(first.id)).toEqual(created);
    });

    test('an unreachable registry fails with DependencyError naming the registry', async () => {
      const unreachable = await running.unreachable();
      const failure = unreachable.get(`ws-${randomUUID()}`);
      await expect(failure).rejects.toBeInstanceOf(DependencyError);
      await expect(failure).rejects.toThrow(/^workspace registry unavailable: /);
    });
  });

  describe('replace', () => {
    test('replace with the current etag stores the change and returns a new etag', async () => {
      const created = await registry.create(workspace());
      const changed = withSettings(created, { ...created.airlock, enabled: false }, admin, BASE_TIME);
      const replaced = await registry.replace(changed);
      expect(replaced.etag).not.toBe(created.etag);
      expect(withoutEtag(replaced)).toEqual(withoutEtag(changed));
      expect(replaced.changes).toEqual([{ changedBy: admin, changedWhen: BASE_TIME, previous: DEFAULTS, settings: { ...DEFAULTS, enabled: false } }]);
      expect(await registry.get(created.id)).toEqual(replaced);
    });

    test('replace with a stale etag fails with ConflictError and leaves the document unchanged', async () => {
      const created = await registry.create(workspace());
      const current = await registry.replace(withSettings(created, { ...created.airlock, requiredApprovals: 2 }, admin, BASE_TIME));
      const fromStaleRead = withSettings(created, { ...created.airlock, maxFiles: 7 }, otherAdmin, BASE_TIME + 1);
      const failure = registry.replace(fromStaleRead);
      await expect(failure).rejects.toBeInstanceOf(ConflictError);
      await expect(failure).rejects.toThrow(`Workspace ${created.id} was changed by someone else; reload and try again`);
      expect(await registry.get(created.id)).toEqual(current);
    });

    test('replace of a workspace that does not exist fails with ConflictError and creates nothing', async () => {
      const created = await registry.create(workspace());
      const elsewhere = { ...created, id: `ws-${randomUUID()}` };
      await expect(registry.replace(elsewhere)).rejects.toBeInstanceOf(ConflictError);
      expect(await registry.get(elsewhere.id)).toBeUndefined();
    });

    test('replace without an etag is a programming error, not a conflict', async () => {
      const created = await registry.create(workspace());
      const failure = registry.replace(withoutEtag(created));
      await expect(failure).rejects.toThrow(/has no etag/);
      await expect(failure).rejects.toBeInstanceOf(InvariantError);
    });

    test('two concurrent replaces from the same read: exactly one wins (10 rounds)', async () => {
      for (let round = 0; round < 10; round++) {
        const read = await registry.create(workspace());
        const disable = withSettings(read, { ...read.airlock, enabled: false }, admin, BASE_TIME + round);
        const tighten = withSettings(read, { ...read.airlock, requiredApprovals: 3 }, otherAdmin, BASE_TIME + round);

        const outcomes = await Promise.allSettled([registry.replace(disable), registry.replace(tighten)]);

        const winners = outcomes.filter((outcome): outcome is PromiseFulfilledResult<Workspace> => outcome.status === 'fulfilled');
        const losers = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
        expect(winners).toHaveLength(1);
        expect(losers).toHaveLength(1);
        expect(losers[0].reason).toBeInstanceOf(ConflictError);
        const stored = (await registry.get(read.id))!;
        expect(stored).toEqual(winners[0].value);
        expect(stored.changes).toHaveLength(1);
      }
    });
  });

  describe('ensure', () => {
    test('creates a missing workspace with the defaults and no history', async () => {
      const wanted = seed();
      const ensured = await registry.ensure(wanted, DEFAULTS);
      expect(withoutEtag(ensured)).toEqual({ ...wanted, airlock: DEFAULTS, changes: [] });
      expect(await registry.get(wanted.id)).toEqual(ensured);
    });

    test('is idempotent: a second ensure writes nothing', async () => {
      const wanted = seed();
      const first = await registry.ensure(wanted, DEFAULTS);
      const second = await registry.ensure(wanted, DEFAULTS);
      expect(second).toEqual(first);
      expect(await registry.get(wanted.id)).toEqual(first);
    });

    test('concurrent ensures of a new workspace all succeed with the same document', async () => {
      const wanted = seed();
      const ensured = await Promise.all([1, 2, 3].map(() => registry.ensure(wanted, DEFAULTS)));
      const stored = await registry.get(wanted.id);
      for (const result of ensured) expect(result).toEqual(stored);
    });

    test('never touches settings or their history, whatever defaults it is given', async () => {
      const wanted = seed();
      const created = await registry.ensure(wanted, DEFAULTS);
      const administered = await registry.replace(withSettings(created, { ...created.airlock, enabled: false, requiredApprovals: 2 }, admin, BASE_TIME));
      const otherDefaults: AirlockSettings = { ...DEFAULTS, maxFiles: 3, scanningEnabled: false };
      expect(await registry.ensure(wanted, otherDefaults)).toEqual(administered);
    });

    test('follows a changed audience (and display name) but keeps settings and history', async () => {
      const wanted = seed();
      const created = await registry.ensure(wanted, DEFAULTS);
      const administered = await registry.replace(withSettings(created, { ...created.airlock, maxFiles: 9 }, admin, BASE_TIME));
      const moved = { ...wanted, audience: `api://workspace-${randomUUID()}`, displayName: 'Renamed workspace' };

      const ensured = await registry.ensure(moved, DEFAULTS);

      expect(ensured.etag).not.toBe(administered.etag);
      expect(withoutEtag(ensured)).toEqual({ ...withoutEtag(administered), audience: moved.audience, displayName: 'Renamed workspace' });
      expect(ensured.airlock.maxFiles).toBe(9);
      expect(ensured.changes).toEqual(administered.changes);
      expect(await registry.get(wanted.id)).toEqual(ensured);
    });
  });
});
