/**
 * The stage accounts answer the console's origin: Azurite, with the rule the local host sets at each
 * start, lets a browser on the host's origin (under either name) or a configured one preflight and
 * make a block upload to a SAS link, reads back the headers a client needs, and refuses every other
 * origin, as Azure Storage does with the rule bicep declares.
 */
import { BlobServiceClient, ContainerSASPermissions, StorageSharedKeyCredential } from '@azure/storage-blob';
import { newAccountKey, RunningAzurite, startAzurite } from '../../src/local/azurite';
import { allowBrowserAccess, consoleOrigins } from '../../src/local/azuriteCors';
import { parseCorsOrigins } from '../../src/local/corsPolicy';

const HOST = 'http://127.0.0.1:7071';
const STAGE = 'stalimexcors';
const UNTOUCHED = 'stalimrejcors';
let azurite: RunningAzurite;

beforeAll(async () => {
  azurite = await startAzurite({ accounts: { [STAGE]: newAccountKey(), [UNTOUCHED]: newAccountKey() } });
  await allowBrowserAccess(azurite, [STAGE], consoleOrigins(HOST, parseCorsOrigins('http://localhost:3000')));
});

afterAll(() => azurite.close());

function preflight(account: string, origin: string, method = 'PUT', headers = 'x-ms-blob-type,content-type') {
  return fetch(`${azurite.blobEndpoint(account)}/request-1/data.csv?comp=block&blockid=AAAA`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
  });
}

test.each([HOST, 'http://localhost:7071', 'http://localhost:3000'])('a preflight from %s is allowed, for the methods an upload, a listing and a delete use', async (origin) => {
  for (const method of ['PUT', 'GET', 'HEAD', 'DELETE']) {
    const response = await preflight(STAGE, origin, method);
    expect([method, response.status, response.headers.get('access-control-allow-origin')]).toEqual([method, 200, origin]);
    expect(response.headers.get('access-control-allow-methods')).toBe(method);
  }
  expect((await preflight(STAGE, origin)).headers.get('access-control-allow-headers')).toBe('x-ms-blob-type,content-type');
});

test('another origin is refused (403), and so is a method no browser use needs', async () => {
  const other = await preflight(STAGE, 'https://evil.example.org');
  expect(other.status).toBe(403);
  expect(other.headers.get('access-control-allow-origin')).toBeNull();
  expect((await preflight(STAGE, HOST, 'POST')).status).toBe(403);
});

test('an account the rule was not set on refuses even the host', async () => {
  expect((await preflight(UNTOUCHED, HOST)).status).toBe(403);
});

test('an upload to a SAS link from the host\'s origin is answered with the etag exposed to the page', async () => {
  const service = new BlobServiceClient(azurite.blobEndpoint(STAGE), new StorageSharedKeyCredential(STAGE, azurite.accounts[STAGE]));
  const container = service.getContainerClient('request-1');
  await container.createIfNotExists();
  const sas = await container.generateSasUrl({ permissions: ContainerSASPermissions.parse('rw'), expiresOn: new Date(Date.now() + 600_000) });
  const [base, query] = sas.split('?');
  const response = await fetch(`${base}/data.csv?${query}`, { method: 'PUT', headers: { origin: HOST, 'x-ms-blob-type': 'BlockBlob' }, body: 'a,b\n1,2\n' });
  expect(response.status).toBe(201);
  expect(response.headers.get('access-control-allow-origin')).toBe(HOST);
  const exposed = (response.headers.get('access-control-expose-headers') ?? '').toLowerCase().split(',');
  expect(exposed).toEqual(expect.arrayContaining(['etag', 'x-ms-request-id']));
});

test('the origins: the host under both names plus the configured ones, or every origin when those say *', () => {
  expect(consoleOrigins('http://127.0.0.1:43210', undefined)).toEqual(['http://127.0.0.1:43210', 'http://localhost:43210']);
  expect(consoleOrigins('http://127.0.0.1:43210', parseCorsOrigins('https://portal.example.org'))).toEqual([
    'http://127.0.0.1:43210',
    'http://localhost:43210',
    'https://portal.example.org',
  ]);
  expect(consoleOrigins('http://127.0.0.1:43210', parseCorsOrigins('*'))).toBe('*');
});
