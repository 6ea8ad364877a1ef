import {
  decideScanResult,
  DefenderScanResultData,
  defenderVerdict,
  inProgressAccountOf,
  parseBlobUri,
  readScanResultEvent,
  ScanResultFacts,
} from '../../src/domain/defenderScanResult';
import { AirlockRequest, newDraftRequest, withStatus } from '../../src/domain/request';
import { FileScanResult } from '../../src/domain/scan';

type ResultFields = Pick<DefenderScanResultData, 'scanResultType' | 'scanResultDetails'>;

const notScanned = (notScannedReason: string, scanResultType = 'Not Scanned'): ResultFields => ({ scanResultType, scanResultDetails: { notScannedReason } });

describe('parseBlobUri', () => {
  test.each([
    ['host-style, as Defender sends it', 'https://stalimipdev.blob.core.windows.net/6b3c0d2e-1111-4a4a-9b9b-0123456789ab/data.csv', 'stalimipdev', '6b3c0d2e-1111-4a4a-9b9b-0123456789ab', 'data.csv'],
    ['another cloud', 'https://stalimipdev.blob.core.usgovcloudapi.net/c1/data.csv', 'stalimipdev', 'c1', 'data.csv'],
    ['a DNS-zone endpoint', 'https://stalimipdev.z12.blob.storage.azure.net/c1/data.csv', 'stalimipdev', 'c1', 'data.csv'],
    ['path-style (Azurite)', 'http://127.0.0.1:10000/stalimipdev/c1/data.csv', 'stalimipdev', 'c1', 'data.csv'],
    ['path-style on localhost', 'http://localhost:10000/stalimipdev/c1/data.csv', 'stalimipdev', 'c1', 'data.csv'],
    ['path-style on a bare host name', 'http://azurite:10000/stalimipdev/c1/data.csv', 'stalimipdev', 'c1', 'data.csv'],
    ['a name with folders', 'https://acct.blob.core.windows.net/c1/raw/2024/jan/data.csv', 'acct', 'c1', 'raw/2024/jan/data.csv'],
    ['unencoded spaces', 'https://acct.blob.core.windows.net/c1/my folder/survey results.csv', 'acct', 'c1', 'my folder/survey results.csv'],
    ['encoded spaces', 'https://acct.blob.core.windows.net/c1/my%20folder/survey%20results.csv', 'acct', 'c1', 'my folder/survey results.csv'],
    ['encoded slash', 'https://acct.blob.core.windows.net/c1/a%2Fb.csv', 'acct', 'c1', 'a/b.csv'],
    ['encoded UTF-8', 'https://acct.blob.core.windows.net/c1/r%C3%A9sum%C3%A9.pdf', 'acct', 'c1', 'résumé.pdf'],
    ['unencoded UTF-8', 'https://acct.blob.core.windows.net/c1/résumé.pdf', 'acct', 'c1', 'résumé.pdf'],
    ['decoded once only', 'https://acct.blob.core.windows.net/c1/100%2520.csv', 'acct', 'c1', '100%20.csv'],
    ['an unencoded percent sign', 'https://acct.blob.core.windows.net/c1/100% done.csv', 'acct', 'c1', '100% done.csv'],
    ['an unencoded percent sign next to encoded text', 'https://acct.blob.core.windows.net/c1/100%%20done.csv', 'acct', 'c1', '100% done.csv'],
    ['unencoded ? and #', 'https://acct.blob.core.windows.net/c1/what?#1.csv', 'acct', 'c1', 'what?#1.csv'],
    ['an upper-case account host', 'https://ACCT.blob.core.windows.net/c1/a.csv', 'acct', 'c1', 'a.csv'],
  ])('%s', (_label, uri, accountName, container, blobName) => {
    expect(parseBlobUri(uri)).toEqual({ accountName, container, blobName });
  });

  test.each([
    ['not a URL', 'stalimip/c1/a.csv'],
    ['another scheme', 'ftp://acct.blob.core.windows.net/c1/a.csv'],
    ['no blob name', 'https://acct.blob.core.windows.net/c1/'],
    ['no container', 'https://acct.blob.core.windows.net/'],
    ['path-style without a blob', 'http://127.0.0.1:10000/acct/c1'],
    ['a host that is not a blob endpoint', 'https://example.org/acct/c1/a.csv'],
  ])('refuses %s', (_label, uri) => {
    expect(() => parseBlobUri(uri)).toThrow();
  });
});

describe('defenderVerdict', () => {
  test.each(['No threats found', 'no threats found', 'NO THREATS FOUND', '  No Threats Found\t'])('"%s" is clean', (scanResultType) => {
    expect(defenderVerdict({ scanResultType, scanResultDetails: { sha256: 'AB' } })).toEqual({ verdict: 'clean', details: 'No threats found' });
  });

  test.each([
    // The Log Analytics table's wording, a typo, a truncation: close to clean is not clean.
    'No Threat Found',
    'No threats',
    'No  threats found',
    'Clean',
    'Succeeded',
    '',
  ])('"%s" is an error naming the value (fail closed)', (scanResultType) => {
    const reading = defenderVerdict({ scanResultType, scanResultDetails: null });
    expect(reading.verdict).toBe('error');
    expect(reading.details).toBe(`Unrecognised Defender scan result '${scanResultType}'; treated as not clean`);
  });

  test.each([undefined, null, 42, { value: 'No threats found' }])('a scanResultType of %p is an error', (value) => {
    const reading = defenderVerdict({ scanResultType: value as unknown as string, scanResultDetails: null });
    expect(reading.verdict).toBe('error');
    expect(reading.details).toMatch(/^Unrecognised Defender scan result .*; treated as not clean$/);
  });

  test.each(['Malicious', 'malicious', ' MALICIOUS '])('"%s" is malicious, with the malware names', (scanResultType) => {
    expect(defenderVerdict({ scanResultType, scanResultDetails: { malwareNamesFound: ['DOS/EICAR_Test_File'], sha256: 'AB' } })).toEqual({
      verdict: 'malicious',
      details: 'Malicious: DOS/EICAR_Test_File',
    });
  });

  test('several malware names are all listed', () => {
    expect(defenderVerdict({ scanResultType: 'Malicious', scanResultDetails: { malwareNamesFound: ['Trojan:Win32/A', 'DOS/EICAR_Test_File'] } }).details).toBe(
      'Malicious: Trojan:Win32/A, DOS/EICAR_Test_File',
    );
  });

  test('malicious without names is still malicious', () => {
    expect(defenderVerdict({ scanResultType: 'Malicious', scanResultDetails: null })).toEqual({
      verdict: 'malicious',
      details: 'Malicious: malware found (Defender named none)',
    });
  });

  /** Every code of the research table (understand-malware-scan-results.md), as a Not Scanned reason. */
  test.each([
    ['SAM259201', 'Internal service error'],
    ['SAM259203', 'Couldn’t access blob'],
    ['SAM259204', 'Blob not found'],
    ['SAM259205', 'ETag mismatch: blob possibly overwritten during scan'],
    ['SAM259206', 'Scan aborted - exceeded the maximum allowed size of 50 GB'],
    ['SAM259207', 'Scan timed out'],
    ['SAM259208', 'Archive access tier not supported'],
    ['SAM259209', 'Customer-provided-key encryption not supported'],
    ['SAM259210', 'blob is password protected'],
    ['SAM259211', 'Maximum archive nesting depth exceeded'],
    ['SAM259212', 'Blob data corrupt'],
    ['SAM259213', 'Throttled by the service'],
    ['SAM259220', 'Immutability policy conflicts with Last Access Time tracking'],
  ])('Not Scanned with %s is not_scanned, with the code and the text', (code, text) => {
    expect(defenderVerdict(notScanned(`${code}: ${text}`))).toEqual({ verdict: 'not_scanned', details: `Not scanned (${code}): ${text}`, code });
  });

  test('the password-protected example reads as the reviewer should see it', () => {
    expect(defenderVerdict(notScanned('SAM259210: blob is password protected')).details).toBe('Not scanned (SAM259210): blob is password protected');
  });

  test.each(['Not Scanned', 'Not scanned', 'not scanned', ' NOT SCANNED '])('"%s" with SAM259215 is delayed: a verdict follows', (scanResultType) => {
    expect(defenderVerdict(notScanned('SAM259215: Not scanned - delayed by the service', scanResultType))).toEqual({
      verdict: 'delayed',
      details: 'delayed by Defender; a verdict will follow',
      code: 'SAM259215',
    });
  });

  test.each([
    ['a lower-case code', 'sam259215: delayed', 'delayed'],
    ['a code without text', 'SAM259215', 'delayed'],
    ['a code with a dash', 'SAM259215 - delayed by the service', 'delayed'],
    ['a longer code that only starts like it', 'SAM2592150: something else', 'not_scanned'],
  ])('SAM259215 is recognised in %s', (_label, reason, verdict) => {
    expect(defenderVerdict(notScanned(reason)).verdict).toBe(verdict);
  });

  test('Not Scanned without a code keeps the text, without a reason says so', () => {
    expect(defenderVerdict(notScanned('The monthly cap was reached'))).toEqual({ verdict: 'not_scanned', details: 'Not scanned: The monthly cap was reached' });
    expect(defenderVerdict({ scanResultType: 'Not Scanned', scanResultDetails: null })).toEqual({ verdict: 'not_scanned', details: 'Not scanned: no reason given' });
  });

  test.each(['Error', 'error', 'ERROR '])('"%s" is an error', (scanResultType) => {
    expect(defenderVerdict({ scanResultType, scanResultDetails: null })).toEqual({ verdict: 'error', details: 'Scan error: Defender reported an error' });
  });

  test('an error with a coded reason keeps the code; a delayed code on an error is still an error', () => {
    expect(defenderVerdict(notScanned('SAM259201: Internal service error', 'Error'))).toEqual({
      verdict: 'error',
      details: 'Scan error (SAM259201): Internal service error',
      code: 'SAM259201',
    });
    expect(defenderVerdict(notScanned('SAM259215: delayed', 'Error')).verdict).toBe('error');
  });

  test('malware names make any result malicious; an empty list changes nothing', () => {
    expect(defenderVerdict({ scanResultType: 'Malicious', scanResultDetails: { malwareNamesFound: ['X'], notScannedReason: 'SAM259215: delayed' } }).verdict).toBe('malicious');
    expect(defenderVerdict({ scanResultType: 'No threats found', scanResultDetails: { malwareNamesFound: ['X'] } })).toEqual({ verdict: 'malicious', details: 'Malicious: X' });
    expect(defenderVerdict({ scanResultType: 'Not Scanned', scanResultDetails: { malwareNamesFound: ['X'], notScannedReason: 'SAM259215' } }).verdict).toBe('malicious');
    expect(defenderVerdict({ scanResultType: 'No threats found', scanResultDetails: { malwareNamesFound: [] } }).verdict).toBe('clean');
  });
});

// ---- whether a verdict counts -------------------------------------------------------------------

const SUBMITTED_AT = 1_000;
const RITA = { id: 'rita', name: 'Rita' };
const IN_PROGRESS = inProgressAccountOf({ type: 'import', workspaceId: 'ws01' }, 'tre');

const pending = (etag: string): FileScanResult => ({ name: 'data.csv', engine: 'defender', verdict: 'pending', details: 'awaiting', sha256: 'a'.repeat(64), etag });

/** A request at its first submission, holding data.csv, with the given Defender entries. */
function submitted(scanReport: FileScanResult[] = [pending('"0x1"')], cycle = 1): AirlockRequest {
  const draft = newDraftRequest({ id: 'r1', workspaceId: 'ws01', type: 'import', title: 't', businessJustification: 'b', creator: RITA, now: 1 });
  return withStatus(draft, {
    to: 'submitted',
    trigger: 'submit',
    actor: RITA,
    now: SUBMITTED_AT,
    changes: { files: [{ name: 'data.csv', size: 4, sha256: 'a'.repeat(64) }], scanReport, reviewCycle: cycle },
  });
}

/** A clean verdict for data.csv version 0x1 in the request's first in-progress container, unless told otherwise. */
function facts(over: { eTag?: string; account?: string; cycle?: number; scanFinishedAt?: number; scanResultType?: string } = {}): ScanResultFacts {
  const event = readScanResultEvent({
    correlationId: 'c1',
    blobUri: `https://${over.account ?? IN_PROGRESS}.blob.core.windows.net/r1-${over.cycle ?? 1}/data.csv`,
    eTag: over.eTag ?? '0x1',
    scanFinishedTimeUtc: new Date((over.scanFinishedAt ?? SUBMITTED_AT + 60) * 1000).toISOString(),
    scanResultType: over.scanResultType ?? 'No threats found',
    scanResultDetails: { sha256: 'B'.repeat(64) },
  });
  if (typeof event === 'string') throw new Error(event);
  return { ...event, cycle: over.cycle ?? 1, inProgressAccount: IN_PROGRESS };
}

describe('decideScanResult', () => {
  test('a verdict for the version the pending entry awaits is recorded on it, quoted or not, and the workflow told', () => {
    expect(decideScanResult(submitted(), facts())).toEqual({
      action: 'record',
      notify: true,
      reason: 'recorded clean: No threats found',
      entry: { name: 'data.csv', engine: 'defender', verdict: 'clean', details: 'No threats found', sha256: 'b'.repeat(64), scannedAt: SUBMITTED_AT + 60, etag: '"0x1"' },
    });
  });

  test('a verdict for an old eTag does not count while the file awaits another', () => {
    expect(decideScanResult(submitted([pending('"0x2"')]), facts({ eTag: '0x1' }))).toEqual({
      action: 'ignore',
      reason: 'stale: the verdict is about eTag 0x1, the file awaits "0x2"',
    });
  });

  test('a verdict from another submission\'s container, or another account, does not count', () => {
    expect(decideScanResult(submitted(undefined, 2), facts({ cycle: 1 }))).toMatchObject({ action: 'ignore', reason: expect.stringMatching(/^stale: the blob is in the container of submission 1/) });
    expect(decideScanResult(submitted(), facts({ account: 'stalimexother' }))).toMatchObject({ action: 'ignore', reason: expect.stringMatching(/not the request's in-progress account/) });
  });

  test('a request no longer awaiting verdicts takes none', () => {
    const inReview = withStatus(submitted(), { to: 'in_review', trigger: 'system', actor: RITA, now: SUBMITTED_AT + 5 });
    expect(decideScanResult(inReview, facts())).toEqual({ action: 'ignore', reason: 'the request is in_review, not submitted' });
  });

  test('a duplicate changes nothing but nudges the workflow again', () => {
    const recorded = decideScanResult(submitted(), facts());
    if (recorded.action !== 'record') throw new Error('expected a record');
    expect(decideScanResult(submitted([recorded.entry]), facts())).toEqual({ action: 'renotify', reason: 'duplicate; already recorded as clean' });
  });

  test('an early verdict is kept bound to its own eTag, unless the scan finished before the last submit', () => {
    expect(decideScanResult(submitted([]), facts({ eTag: '0x9' }))).toMatchObject({ action: 'record', notify: true, entry: { verdict: 'clean', etag: '0x9' } });
    expect(decideScanResult(submitted([]), facts({ scanFinishedAt: SUBMITTED_AT - 1 }))).toMatchObject({ action: 'ignore', reason: expect.stringMatching(/^stale: the scan finished before/) });
  });

  test('a delay keeps the entry pending and does not nudge; an early delay is not recorded', () => {
    const delayed = { ...facts(), data: { ...facts().data, scanResultType: 'Not Scanned', scanResultDetails: { notScannedReason: 'SAM259215: later' } } };
    expect(decideScanResult(submitted(), delayed)).toMatchObject({ action: 'record', notify: false, entry: { verdict: 'pending', etag: '"0x1"' } });
    expect(decideScanResult(submitted([]), delayed)).toMatchObject({ action: 'ignore' });
  });
});

describe('readScanResultEvent', () => {
  test('says what is wrong with an event that is not what Defender sends', () => {
    expect(readScanResultEvent(null)).toBe('it has no data');
    expect(readScanResultEvent({ blobUri: 'https://a.blob.core.windows.net/c/b', eTag: ' ' })).toBe('data.eTag is missing');
    expect(readScanResultEvent({ blobUri: 'https://a.blob.core.windows.net/c/b', eTag: '0x1', scanFinishedTimeUtc: 'soon' })).toBe("data.scanFinishedTimeUtc 'soon' is not a time");
  });
});
