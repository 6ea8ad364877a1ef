/**
 * The local host's Azurite runs on a worker thread of its own (src/local/azuriteThread.ts): it answers
 * while the app's thread is busy, keeps its data and its ports across a stop or a SIGKILL of the
 * process, and goes with the process when that is killed.
 */
import { BlobSASPermissions, BlobServiceClient } from '@azure/storage-blob';
import { TableClient } from '@azure/data-tables';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { AddressInfo, createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { newAccountKey, RunningAzurite } from '../../src/local/azurite';
import { startAzuriteThread } from '../../src/local/azuriteThread';

const ACCOUNT = 'threadtest';
const accounts = { [ACCOUNT]: newAccountKey() };
const portOf = (origin: string) => Number(new URL(origin).port);
const newLocation = () => mkdtempSync(join(tmpdir(), 'airlock-azurite-thread-'));

async function uploadBlob(connection: string, container: string, name: string, content: string) {
  const containerClient = BlobServiceClient.fromConnectionString(connection).getContainerClient(container);
  await containerClient.createIfNotExists();
  const blob = containerClient.getBlockBlobClient(name);
  await blob.upload(content, Buffer.byteLength(content));
  return blob;
}

async function downloadBlob(azurite: RunningAzurite, container: string, name: string): Promise<string> {
  const blob = BlobServiceClient.fromConnectionString(azurite.connectionString(ACCOUNT)).getContainerClient(container).getBlockBlobClient(name);
  return (await blob.downloadToBuffer()).toString();
}

describe('one Azurite on a directory, started on a blob port that is taken', () => {
  // Every start loads Azurite anew, which is most of what these tests cost: they share this one,
  // and the last of them stops it and starts the next on its directory.
  const location = newLocation();
  let taken: Server;
  let asked: number;
  let azurite: RunningAzurite;
  beforeAll(async () => {
    taken = await listenOnFreePort();
    asked = (taken.address() as AddressInfo).port;
    azurite = await startAzuriteThread({ accounts, location, blobPort: asked });
  }, 60_000);
  afterAll(async () => {
    await azurite?.close();
    await new Promise((done) => (taken ? taken.close(done) : done(undefined)));
  });

  test("storage answers a SAS download while the caller's thread is blocked", async () => {
    const blob = await uploadBlob(azurite.connectionString(ACCOUNT), 'busy', 'answer.txt', 'answered');
    const url = await blob.generateSasUrl({ permissions: BlobSASPermissions.parse('r'), expiresOn: new Date(Date.now() + 3_600_000) });
    // execFileSync holds this thread until the child is done: only an Azurite on another thread can answer it.
    const download = `fetch(${JSON.stringify(url)}, { signal: AbortSignal.timeout(10000) })
      .then(async (response) => process.stdout.write(response.status + ' ' + (await response.text())), (error) => process.stdout.write(String(error)))`;
    expect(execFileSync(process.execPath, ['-e', download], { encoding: 'utf8', timeout: 30_000 })).toBe('200 answered');
  }, 60_000);

  test('a port that is taken is replaced by a free one, and the caller is told', async () => {
    expect(azurite.portsMoved).toEqual([{ service: 'blob', asked, used: portOf(azurite.blobOrigin) }]);
    expect(portOf(azurite.blobOrigin)).not.toBe(asked);
    expect(await (await uploadBlob(azurite.connectionString(ACCOUNT), 'moved', 'file.txt', 'on the new port')).downloadToBuffer()).toEqual(Buffer.from('on the new port'));
  }, 60_000);

  // Last in this block: it stops the shared Azurite.
  test('after a stop, the next start on the same directory gets the same ports and everything written', async () => {
    const first = azurite;
    await uploadBlob(first.connectionString(ACCOUNT), 'kept', 'file.txt', 'written before the stop');
    const table = TableClient.fromConnectionString(first.connectionString(ACCOUNT), 'keptrows', { allowInsecureConnection: true });
    await table.createTable();
    await table.createEntity({ partitionKey: 'p', rowKey: 'written-before-the-stop' });
    await first.close();

    const second = await startAzuriteThread({ accounts, location, blobPort: portOf(first.blobOrigin), tablePort: portOf(first.tableOrigin) });
    try {
      expect(second.portsMoved).toEqual([]);
      expect([second.blobOrigin, second.tableOrigin]).toEqual([first.blobOrigin, first.tableOrigin]);
      expect(await downloadBlob(second, 'kept', 'file.txt')).toBe('written before the stop');
      const rows = TableClient.fromConnectionString(second.connectionString(ACCOUNT), 'keptrows', { allowInsecureConnection: true });
      expect((await rows.getEntity('p', 'written-before-the-stop')).rowKey).toBe('written-before-the-stop');
    } finally {
      await second.close();
    }
  }, 60_000);
});

test('a start that fails rejects with the reason', async () => {
  const notADirectory = join(newLocation(), 'a-file');
  writeFileSync(notADirectory, '');
  await expect(startAzuriteThread({ accounts, location: notADirectory })).rejects.toThrow(/ENOTDIR|EEXIST/);
}, 60_000);

describe('a host process killed with SIGKILL', () => {
  let host: ChildProcess | undefined;
  afterEach(() => host?.kill('SIGKILL'));

  test('takes its storage with it: the next start gets the same ports and every acknowledged write', async () => {
    const location = newLocation();
    const started = startHostProcess(location);
    host = started.child;
    const { blobOrigin, tableOrigin } = await started.origins;
    await uploadBlob(connectionString(blobOrigin, tableOrigin), 'acknowledged', 'file.txt', 'acknowledged before the kill');

    const exited = new Promise((done) => host!.once('exit', done));
    host.kill('SIGKILL');
    await exited;

    const next = await startAzuriteThread({ accounts, location, blobPort: portOf(blobOrigin), tablePort: portOf(tableOrigin) });
    try {
      expect(next.portsMoved).toEqual([]);
      expect(await downloadBlob(next, 'acknowledged', 'file.txt')).toBe('acknowledged before the kill');
    } finally {
      await next.close();
    }
  }, 60_000);
});

/** A process that starts Azurite as the local host does, says where it answers, and waits to be killed. */
function startHostProcess(location: string): { child: ChildProcess; origins: Promise<{ blobOrigin: string; tableOrigin: string }> } {
  const module = resolve(__dirname, '../../src/local/azuriteThread.ts');
  const script = `require(${JSON.stringify(module)}).startAzuriteThread(${JSON.stringify({ accounts, location })})
    .then((azurite) => console.log(JSON.stringify({ blobOrigin: azurite.blobOrigin, tableOrigin: azurite.tableOrigin })));`;
  const child = spawn(process.execPath, ['--require', 'esbuild-register', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'], cwd: resolve(__dirname, '../..') });
  let output = '';
  const origins = new Promise<{ blobOrigin: string; tableOrigin: string }>((done, fail) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((candidate) => candidate.startsWith('{'));
      if (line && output.includes('\n')) done(JSON.parse(line));
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => fail(new Error(`the host process ended (${code}) before Azurite started:\n${output}`)));
  });
  return { child, origins };
}

function connectionString(blobOrigin: string, tableOrigin: string): string {
  return `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${accounts[ACCOUNT]};BlobEndpoint=${blobOrigin}/${ACCOUNT};TableEndpoint=${tableOrigin}/${ACCOUNT};`;
}

function listenOnFreePort(): Promise<Server> {
  return new Promise((done) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => done(server));
  });
}
