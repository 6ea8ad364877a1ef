/**
 * The Defender scan-result function, called as the host calls it, against a TableRequestStore on
 * an embedded Azurite; the DurableClient is a fake that records what the orchestration is told.
 */
import { randomUUID } from 'node:crypto';
import { EventGridEvent, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { AirlockConfig } from '../../../src/config';
import { DefenderScanResultData, DELAYED_DETAILS } from '../../../src/domain/defenderScanResult';
import { DependencyError } from '../../../src/domain/errors';
import { AirlockRequest, newDraftRequest, withStatus } from '../../../src/domain/request';
import { UserRef } from '../../../src/domain/roles';
import { FileScanResult } from '../../../src/domain/scan';
import { stageAccountFor, storageAccountName } from '../../../src/domain/stages';
import { defenderScanResult } from '../../../src/functions/events/defenderScanResult';
import { Dependencies, setDependencies } from '../../../src/infra/dependencies';
import { RequestStore } from '../../../src/infra/requestStore';
import { TableRequestStore } from '../../../src/infra/tableRequestStore';
import { newAccountKey, RunningAzurite, startAzurite } from '../../../src/local/azurite';
import { registrations } from '../../../src/local/functionsCore';

const TRE_ID = 'test';
const WORKSPACE_ID = 'ws01';
/** epoch seconds */
const SUBMITTED_AT = 1_780_000_000;
const NOW = new Date((SUBMITTED_AT + 600) * 1000);
const RESEARCHER: UserRef = { id: 'user-researcher', name: 'Rita Researcher' };
const IN_PROGRESS_ACCOUNT = storageAccountName(stageAccountFor('import', 'in_progress'), { treId: TRE_ID, workspaceId: WORKSPACE_ID });
const DRAFT_ACCOUNT = storageAccountName(stageAccountFor('import', 'draft'), { treId: TRE_ID, workspaceId: WORKSPACE_ID });
const SHA256 = 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855';

let azurite: RunningAzurite;
let store: TableRequestStore;

/** The handler reads only these; the rest of Dependencies stays out of this test on purpose. */
type UsedDependencies = Pick<Dependencies, 'store' | 'now'> & { config: Pick<AirlockConfig, 'treId'> };

function useStore(requestStore: RequestStore): void {
  const used: UsedDependencies = { config: { treId: TRE_ID }, store: requestStore, now: () => NOW };
  setDependencies(used as Dependencies);
}

beforeAll(async () => {
  azurite = await startAzurite({ accounts: { airlockstate: newAccountKey() } });
  store = await TableRequestStore.connect({ connectionString: azurite.connectionString('airlockstate'), tableName: 'requests' });
});

beforeEach(() => useStore(store));

afterAll(async () => {
  setDependencies(undefined);
  await azurite?.close();
});

// ---- requests, events, invocations --------------------------------------------------------------

/** Blob etags travel quoted in HTTP, as the scanner's pending entries hold them; Defender's event has them bare. */
const quotedEtag = (name: string) => `"${bareEtag(name)}"`;
const bareEtag = (name: string) => `0x8DC${Buffer.from(name).toString('hex').slice(0, 11).toUpperCase()}`;

const pendingEntry = (name: string): FileScanResult => ({
  name,
  engine: 'defender',
  verdict: 'pending',
  details: 'awaiting the Defender for Storage verdict',
  sha256: 'a'.repeat(64),
  etag: quotedEtag(name),
});

interface RequestOptions {
  files: string[];
  /** the scan report; by default a pending Defender entry per file */
  scanReport?: FileScanResult[];
  status?: 'submitted' | 'in_review';
  /** the submission cycle (1 unless a resubmission is meant) */
  cycle?: number;
}

async function storedRequest(options: RequestOptions): Promise<AirlockRequest> {
  const draft = newDraftRequest({
    id: randomUUID(),
    workspaceId: WORKSPACE_ID,
    type: 'import',
    title: 'Cohort extract',
    businessJustification: 'Needed for the approved study',
    creator: RESEARCHER,
    now: SUBMITTED_AT - 60,
  });
  let request = withStatus(draft, {
    to: 'submitted',
    trigger: 'submit',
    actor: RESEARCHER,
    now: SUBMITTED_AT,
    changes: {
      files: options.files.map((name) => ({ name, size: 10, sha256: 'a'.repeat(64) })),
      scanReport: options.scanReport ?? options.files.map(pendingEntry),
      reviewCycle: options.cycle ?? 1,
    },
  });
  if (options.status === 'in_review') request = withStatus(request, { to: 'in_review', trigger: 'system', actor: RESEARCHER, now: SUBMITTED_AT + 5 });
  return store.create(request);
}

interface ScanEventOptions {
  account?: string;
  container?: string;
  eTag?: string;
  scanResultType?: string;
  scanResultDetails?: DefenderScanResultData['scanResultDetails'];
  /** epoch seconds */
  finishedAt?: number;
  blobUri?: string;
}

/** The event exactly as Azure delivers it (Event Grid schema, `Microsoft.Security.MalwareScanningResult`). */
function scanEvent(request: Pick<AirlockRequest, 'id'>, name: string, options: ScanEventOptions = {}): EventGridEvent {
  const account = options.account ?? IN_PROGRESS_ACCOUNT;
  const container = options.container ?? `${request.id}-1`;
  const data: DefenderScanResultData = {
    correlationId: randomUUID(),
    blobUri: options.blobUri ?? `https://${account}.blob.core.windows.net/${container}/${name}`,
    eTag: options.eTag ?? bareEtag(name),
    scanFinishedTimeUtc: new Date((options.finishedAt ?? SUBMITTED_AT + 120) * 1000).toISOString(),
    scanResultType: options.scanResultType ?? 'No threats found',
    scanResultDetails: options.scanResultDetails === undefined ? { malwareNamesFound: [], sha256: SHA256 } : options.scanResultDetails,
  };
  return {
    id: data.correlationId,
    topic: '/subscriptions/s1/resourceGroups/rg-test/providers/Microsoft.EventGrid/topics/evgt-scan-results',
    subject: `storageAccounts/${account}/containers/${container}/blobs/${name}`,
    eventType: 'Microsoft.Security.MalwareScanningResult',
    eventTime: data.scanFinishedTimeUtc,
    data: data as unknown as Record<string, unknown>,
    dataVersion: '1.0',
    metadataVersion: '1',
  };
}

interface Invocation {
  raiseEvent: jest.Mock<Promise<void>, [string, string, unknown]>;
  logs: { level: string; message: string }[];
}

async function deliver(event: EventGridEvent): Promise<Invocation> {
  const raiseEvent = jest.fn(async (_instanceId: string, _eventName: string, _eventData: unknown) => undefined);
  const client: Pick<df.DurableClient, 'raiseEvent'> = { raiseEvent };
  const logs: { level: string; message: string }[] = [];
  const context = new InvocationContext({
    functionName: 'defenderScanResult',
    invocationId: randomUUID(),
    logHandler: (level, ...args) => logs.push({ level, message: args.map(String).join(' ') }),
  });
  await defenderScanResult(event, client as df.DurableClient, context);
  return { raiseEvent, logs };
}

async function reread(request: AirlockRequest): Promise<AirlockRequest> {
  const current = await store.get(request.workspaceId, request.id);
  if (!current) throw new Error(`request ${request.id} vanished`);
  return current;
}

const defenderEntry = (request: AirlockRequest, name: string) =>
  request.scanReport?.find((entry) => entry.name === name && entry.engine === 'defender');

async function expectIgnored(request: AirlockRequest, event: EventGridEvent, reason: RegExp): Promise<void> {
  const { raiseEvent, logs } = await deliver(event);
  expect(raiseEvent).not.toHaveBeenCalled();
  expect(logs).toContainEqual({ level: 'warning', message: expect.stringMatching(reason) });
  expect(await reread(request)).toEqual(request);
}

test('it is registered as an Event Grid trigger with a durable client, as Azure will see it', () => {
  const bindingTypes = Object.values(registrations.get('defenderScanResult')?.bindings ?? {}).map((binding) => binding.type);
  expect(bindingTypes.sort()).toEqual(['durableClient', 'eventGridTrigger']);
});

// ---- verdicts -----------------------------------------------------------------------------------

test('clean: the pending entry becomes clean, bound to the same blob version, and the orchestration is told', async () => {
  const request = await storedRequest({ files: ['raw/survey results.csv', 'codebook.pdf'] });
  const { raiseEvent } = await deliver(scanEvent(request, 'raw/survey results.csv'));

  const stored = await reread(request);
  expect(defenderEntry(stored, 'raw/survey results.csv')).toEqual({
    name: 'raw/survey results.csv',
    engine: 'defender',
    verdict: 'clean',
    details: 'No threats found',
    sha256: SHA256.toLowerCase(),
    scannedAt: SUBMITTED_AT + 120,
    etag: quotedEtag('raw/survey results.csv'),
  });
  expect(defenderEntry(stored, 'codebook.pdf')?.verdict).toBe('pending');
  expect(stored).toMatchObject({ status: 'submitted', resourceVersion: request.resourceVersion + 1, updatedWhen: NOW.getTime() / 1000 });
  expect(raiseEvent.mock.calls).toEqual([[request.id, 'ScanResult', { name: 'raw/survey results.csv' }]]);
});

test('a percent-encoded blob URI names the same file', async () => {
  const request = await storedRequest({ files: ['raw/survey results.csv'] });
  const blobUri = `https://${IN_PROGRESS_ACCOUNT}.blob.core.windows.net/${request.id}-1/raw/survey%20results.csv`;
  await deliver(scanEvent(request, 'raw/survey results.csv', { blobUri }));
  expect(defenderEntry(await reread(request), 'raw/survey results.csv')?.verdict).toBe('clean');
});

test('malicious: the entry is malicious and names the malware', async () => {
  const request = await storedRequest({ files: ['eicar.txt'] });
  const { raiseEvent } = await deliver(
    scanEvent(request, 'eicar.txt', { scanResultType: 'Malicious', scanResultDetails: { malwareNamesFound: ['DOS/EICAR_Test_File'], sha256: SHA256 } }),
  );
  expect(defenderEntry(await reread(request), 'eicar.txt')).toMatchObject({ verdict: 'malicious', details: 'Malicious: DOS/EICAR_Test_File' });
  expect(raiseEvent).toHaveBeenCalledWith(request.id, 'ScanResult', { name: 'eicar.txt' });
});

test('password protected (SAM259210): not_scanned, with the code and the reason', async () => {
  const request = await storedRequest({ files: ['locked.zip'] });
  const { raiseEvent } = await deliver(
    scanEvent(request, 'locked.zip', { scanResultType: 'Not Scanned', scanResultDetails: { notScannedReason: 'SAM259210: blob is password protected' } }),
  );
  expect(defenderEntry(await reread(request), 'locked.zip')).toMatchObject({
    verdict: 'not_scanned',
    details: 'Not scanned (SAM259210): blob is password protected',
    sha256: 'a'.repeat(64),
  });
  expect(raiseEvent).toHaveBeenCalledTimes(1);
});

test('an unrecognised result type is recorded as an error (fail closed)', async () => {
  const request = await storedRequest({ files: ['a.csv'] });
  await deliver(scanEvent(request, 'a.csv', { scanResultType: 'No Threat Found' }));
  expect(defenderEntry(await reread(request), 'a.csv')).toMatchObject({ verdict: 'error', details: expect.stringContaining("'No Threat Found'") });
});

test('delayed (SAM259215): still pending with the delay noted, nobody is told; the final verdict later counts', async () => {
  const request = await storedRequest({ files: ['big.parquet'] });
  const delayed = scanEvent(request, 'big.parquet', {
    scanResultType: 'Not scanned',
    scanResultDetails: { notScannedReason: 'SAM259215: Not scanned - delayed by the service' },
  });
  const first = await deliver(delayed);
  const afterDelay = await reread(request);
  expect(defenderEntry(afterDelay, 'big.parquet')).toEqual({ ...pendingEntry('big.parquet'), details: DELAYED_DETAILS });
  expect(first.raiseEvent).not.toHaveBeenCalled();

  // The same delay again changes nothing.
  const again = await deliver(delayed);
  expect(await reread(request)).toEqual(afterDelay);
  expect(again.raiseEvent).not.toHaveBeenCalled();

  const final = await deliver(scanEvent(request, 'big.parquet', { finishedAt: SUBMITTED_AT + 3600 }));
  expect(defenderEntry(await reread(request), 'big.parquet')).toMatchObject({ verdict: 'clean', scannedAt: SUBMITTED_AT + 3600 });
  expect(final.raiseEvent).toHaveBeenCalledWith(request.id, 'ScanResult', { name: 'big.parquet' });
});

// ---- events that change nothing -----------------------------------------------------------------

test('a verdict for another version of the blob (stale eTag) changes nothing', async () => {
  const request = await storedRequest({ files: ['a.csv'] });
  await expectIgnored(request, scanEvent(request, 'a.csv', { eTag: '0x8DCOLDERVERSION', scanResultType: 'No threats found' }), /stale/);
});

test("a verdict about the previous submission's container (a resubmitted request) changes nothing", async () => {
  const request = await storedRequest({ files: ['a.csv'], cycle: 2 });
  await expectIgnored(request, scanEvent(request, 'a.csv', { container: `${request.id}-1` }), /stale: the blob is in the container of submission 1/);
});

test('a container that is no request of the airlock is ignored', async () => {
  const request = await storedRequest({ files: ['a.csv'] });
  await expectIgnored(request, scanEvent(request, 'a.csv', { container: 'not-a-request' }), /is no airlock request's/);
});

test('a duplicate delivery changes nothing in the store; it nudges the orchestration again', async () => {
  const request = await storedRequest({ files: ['a.csv'] });
  const event = scanEvent(request, 'a.csv', { scanResultType: 'Malicious', scanResultDetails: { malwareNamesFound: ['X'] } });
  await deliver(event);
  const recorded = await reread(request);

  const second = await deliver(event);
  expect(await reread(request)).toEqual(recorded);
  // Re-raised because the first delivery may have stored the verdict and then failed to raise it.
  expect(second.raiseEvent).toHaveBeenCalledWith(request.id, 'ScanResult', { name: 'a.csv' });

  // A different verdict for the same version (Defender does not change its mind) does not overwrite it.
  await deliver(scanEvent(request, 'a.csv', { scanResultType: 'No threats found' }));
  expect(await reread(request)).toEqual(recorded);
});

test('an unknown request is ignored', async () => {
  const { raiseEvent, logs } = await deliver(scanEvent({ id: randomUUID() }, 'a.csv'));
  expect(raiseEvent).not.toHaveBeenCalled();
  expect(logs).toContainEqual({ level: 'warning', message: expect.stringMatching(/no airlock request/) });
});

test('a request that is not submitted is ignored', async () => {
  const request = await storedRequest({ files: ['a.csv'], status: 'in_review' });
  await expectIgnored(request, scanEvent(request, 'a.csv'), /the request is in_review, not submitted/);
});

test('a file the request does not have is ignored', async () => {
  const request = await storedRequest({ files: ['a.csv'] });
  await expectIgnored(request, scanEvent(request, 'b.csv'), /no file of that name/);
});

test("a blob outside the request's in-progress account (the draft copy) is ignored", async () => {
  const request = await storedRequest({ files: ['a.csv'] });
  await expectIgnored(request, scanEvent(request, 'a.csv', { account: DRAFT_ACCOUNT }), /not the request's in-progress account/);
});

test('other event types and malformed scan results are ignored without touching the store', async () => {
  const request = await storedRequest({ files: ['a.csv'] });
  const created = { ...scanEvent(request, 'a.csv'), eventType: 'Microsoft.Storage.BlobCreated' };
  const other = await deliver(created);
  expect(other.raiseEvent).not.toHaveBeenCalled();
  expect(other.logs).toContainEqual({ level: 'information', message: expect.stringMatching(/is not Microsoft.Security.MalwareScanningResult/) });

  await expectIgnored(request, scanEvent(request, 'a.csv', { blobUri: 'not a url' }), /not an http\(s\) URL/);
  const noEtag = scanEvent(request, 'a.csv');
  await expectIgnored(request, { ...noEtag, data: { ...noEtag.data, eTag: '' } }, /eTag is missing/);
  await expectIgnored(request, { ...noEtag, data: undefined }, /no data/);
});

// ---- ordering and concurrency -------------------------------------------------------------------

test('verdicts for several files arriving at once are all recorded', async () => {
  const files = ['a.csv', 'b.csv', 'c.csv', 'd.csv', 'e.csv'];
  const request = await storedRequest({ files });
  const invocations = await Promise.all(
    files.map((name, index) =>
      deliver(scanEvent(request, name, index === 2 ? { scanResultType: 'Malicious', scanResultDetails: { malwareNamesFound: ['X'] } } : {})),
    ),
  );
  const stored = await reread(request);
  expect(files.map((name) => defenderEntry(stored, name)?.verdict)).toEqual(['clean', 'clean', 'malicious', 'clean', 'clean']);
  expect(stored.resourceVersion).toBe(request.resourceVersion + files.length);
  expect(invocations.map(({ raiseEvent }) => raiseEvent.mock.calls)).toEqual(files.map((name) => [[request.id, 'ScanResult', { name }]]));
});

test('a verdict that arrives before the airlock asked for a scan is kept, bound to the eTag Defender scanned', async () => {
  const request = await storedRequest({ files: ['a.csv'], scanReport: [] });
  const { raiseEvent } = await deliver(scanEvent(request, 'a.csv', { scanResultType: 'Malicious', scanResultDetails: { malwareNamesFound: ['X'] } }));
  expect(defenderEntry(await reread(request), 'a.csv')).toEqual({
    name: 'a.csv',
    engine: 'defender',
    verdict: 'malicious',
    details: 'Malicious: X',
    sha256: 'a'.repeat(64),
    scannedAt: SUBMITTED_AT + 120,
    etag: bareEtag('a.csv'),
  });
  expect(raiseEvent).toHaveBeenCalledTimes(1);
});

test('an early delayed result records nothing: there is no pending entry to annotate yet', async () => {
  const request = await storedRequest({ files: ['a.csv'], scanReport: [] });
  await expectIgnored(
    request,
    scanEvent(request, 'a.csv', { scanResultType: 'Not Scanned', scanResultDetails: { notScannedReason: 'SAM259215: delayed' } }),
    /not awaiting this file yet/,
  );
});

test('a verdict that finished before the request was last submitted is about an earlier copy, and ignored', async () => {
  const earlier: FileScanResult = { ...pendingEntry('a.csv'), verdict: 'clean', details: 'No threats found', etag: '"0x8DCROUNDONE"', scannedAt: SUBMITTED_AT - 30 };
  const request = await storedRequest({ files: ['a.csv'], scanReport: [earlier] });
  await expectIgnored(request, scanEvent(request, 'a.csv', { eTag: '0x8DCROUNDZERO', finishedAt: SUBMITTED_AT - 20 }), /before the request was last submitted/);

  // After the resubmission, a verdict for the new copy replaces the one left from the earlier round.
  await deliver(scanEvent(request, 'a.csv', { eTag: '0x8DCROUNDTWO', scanResultType: 'Malicious', scanResultDetails: { malwareNamesFound: ['X'] } }));
  expect(defenderEntry(await reread(request), 'a.csv')).toMatchObject({ verdict: 'malicious', etag: '0x8DCROUNDTWO' });
});

// ---- failures -----------------------------------------------------------------------------------

test('a store that cannot be reached fails the invocation, so Event Grid delivers it again', async () => {
  const unreachable: Pick<RequestStore, 'getById'> = {
    getById: async () => {
      throw new DependencyError('request store unavailable: connect ECONNREFUSED');
    },
  };
  useStore(unreachable as RequestStore);
  await expect(deliver(scanEvent({ id: randomUUID() }, 'a.csv'))).rejects.toBeInstanceOf(DependencyError);
});
