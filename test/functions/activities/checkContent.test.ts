import { ConflictError, NotFoundError } from '../../../src/domain/errors';
import { AirlockRequest } from '../../../src/domain/request';
import { FileScanResult, ScanSummary } from '../../../src/domain/scan';
import { FilesLocation } from '../../../src/domain/stages';
import { checkContent } from '../../../src/functions/activities/checkContent';
import { setDependencies } from '../../../src/infra/dependencies';
import { containerFor, ContainerRef, StageStorage, StoredFile } from '../../../src/infra/stageStorage';
import { activityContext, createStoredRequest, lifecycleInputOf, startTestDependencies, TestDependencies } from '../../support/azuriteDependencies';

/** More than a request may hold (AIRLOCK_SETTINGS_LIMITS.maxFiles), as issue #13 measured: all are still inspected. */
const FILE_COUNT = 200;
const IN_PROGRESS: FilesLocation = { stage: 'in_progress', cycle: 1 };
const ELF_HEADER = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, ...new Array(56).fill(0)]);

let env: TestDependencies;

beforeAll(async () => {
  env = await startTestDependencies();
});

afterAll(async () => {
  await env?.close();
});

afterEach(() => {
  setDependencies(env.deps);
});

/** The stage storage the activity sees, with its listings counted; `afterListing` runs once a listing has answered. */
function countListings(afterListing?: () => Promise<void>): { listings: ContainerRef[] } {
  const listings: ContainerRef[] = [];
  const inner = env.deps.storage;
  const storage = new Proxy(inner, {
    get(target, property) {
      if (property === 'listFiles') {
        return async (ref: ContainerRef): Promise<StoredFile[]> => {
          listings.push(ref);
          const files = await target.listFiles(ref);
          await afterListing?.();
          return files;
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as StageStorage;
  setDependencies({ ...env.deps, storage });
  return { listings };
}

/** 1 KiB of CSV that says which file it is. */
function csvOf(index: number): Buffer {
  const header = `file,row\n${index},`;
  return Buffer.from(header.padEnd(1024, '0'));
}

/** A submitted request whose in-progress container holds `files`, each recorded on the request. */
async function requestWith(files: Record<string, Buffer>): Promise<AirlockRequest> {
  const request = await createStoredRequest(env.deps, {
    status: 'submitted',
    files: Object.entries(files).map(([name, bytes]) => ({ name, size: bytes.length })),
  });
  const container = containerFor(request, IN_PROGRESS);
  const names = Object.keys(files);
  // A few uploads at a time: Azurite runs in this process.
  for (let start = 0; start < names.length; start += 20) {
    await Promise.all(names.slice(start, start + 20).map((name) => env.upload(container, name, files[name])));
  }
  return request;
}

function check(request: AirlockRequest): Promise<ScanSummary> {
  return checkContent({ request: lifecycleInputOf(request), at: IN_PROGRESS }, activityContext('checkContent')) as Promise<ScanSummary>;
}

async function contentVerdicts(request: AirlockRequest): Promise<FileScanResult[]> {
  const stored = await env.deps.store.get(request.workspaceId, request.id);
  return (stored?.scanReport ?? []).filter((entry) => entry.engine === 'content-checks');
}

function manyFiles(): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  for (let index = 0; index < FILE_COUNT; index++) files[`rows-${String(index).padStart(3, '0')}.csv`] = csvOf(index);
  return files;
}

describe('checkContent', () => {
  test(`${FILE_COUNT} files: the container is listed once, every file is checked, each verdict names the version listed`, async () => {
    const files = manyFiles();
    files['rows-117.csv'] = ELF_HEADER; // an executable among them: it must still be found
    const request = await requestWith(files);
    const { listings } = countListings();

    const summary = await check(request);

    expect(listings).toEqual([containerFor(request, IN_PROGRESS)]);
    expect(summary.outcome).toBe('threat');
    const verdicts = await contentVerdicts(request);
    expect(verdicts.map((entry) => entry.name).sort()).toEqual(Object.keys(files).sort());
    expect(verdicts.every((entry) => entry.verdict === 'policy_violation' && entry.details.includes(`the request has ${FILE_COUNT} files`))).toBe(true);
    expect(verdicts.filter((entry) => entry.details.includes('executables and scripts cannot pass')).map((entry) => entry.name)).toEqual(['rows-117.csv']);
    const listed = new Map((await env.deps.storage.listFiles(containerFor(request, IN_PROGRESS))).map((file) => [file.name, file.etag]));
    for (const verdict of verdicts) expect(verdict.etag).toBe(listed.get(verdict.name));
  });

  test('a request within the limits: its files pass, all but the executable', async () => {
    const request = await requestWith({ 'a.csv': csvOf(1), 'b.csv': ELF_HEADER, 'c.csv': csvOf(3) });
    const { listings } = countListings();

    await expect(check(request)).resolves.toMatchObject({ outcome: 'threat', message: expect.stringContaining('b.csv') });

    expect(listings).toHaveLength(1);
    const verdicts = await contentVerdicts(request);
    expect(Object.fromEntries(verdicts.map((entry) => [entry.name, entry.verdict]))).toEqual({ 'a.csv': 'clean', 'b.csv': 'policy_violation', 'c.csv': 'clean' });
  });

  test('a file replaced after the listing is not judged: the check fails for a retry, and nothing is recorded', async () => {
    const request = await requestWith({ 'a.csv': csvOf(1), 'b.csv': csvOf(2) });
    countListings(async () => {
      await env.upload(containerFor(request, IN_PROGRESS), 'b.csv', ELF_HEADER);
    });

    await expect(check(request)).rejects.toBeInstanceOf(ConflictError);
    expect(await contentVerdicts(request)).toEqual([]);
  });

  test('a file the request names but its container lacks is an error, not a verdict', async () => {
    const request = await requestWith({ 'a.csv': csvOf(1) });
    await env.deps.store.replace({ ...request, files: [...request.files, { name: 'missing.csv', size: 10 }] });

    await expect(check(request)).rejects.toBeInstanceOf(NotFoundError);
    expect(await contentVerdicts(request)).toEqual([]);
  });
});
