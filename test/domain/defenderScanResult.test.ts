import { DefenderScanResultData, defenderVerdict, parseBlobUri } from '../../src/domain/defenderScanResult';

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
