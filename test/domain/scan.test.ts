import { FileScanResult, summarizeScan, withScanResult } from '../../src/domain/scan';

const entry = (over: Partial<FileScanResult>): FileScanResult => ({ name: 'a.csv', verdict: 'clean', engine: 'defender', details: 'No threats found', ...over });

describe('summarizeScan', () => {
  test('clean only when every file has a clean verdict from the expected engine', () => {
    expect(summarizeScan([entry({})], ['a.csv'], ['defender'])).toEqual({ outcome: 'clean', message: 'no threats found in 1 file' });
    expect(summarizeScan([entry({})], ['a.csv', 'b.csv'], ['defender']).outcome).toBe('pending');
    expect(summarizeScan([entry({ engine: 'content-checks' })], ['a.csv'], ['defender']).outcome).toBe('pending');
  });
  test('any blocking verdict blocks, naming the file and why, even while others are pending', () => {
    const report = [entry({ verdict: 'pending' }), entry({ name: 'b.zip', verdict: 'not_scanned', details: 'Not scanned (SAM259210): password protected' })];
    expect(summarizeScan(report, ['a.csv', 'b.zip'], ['defender'])).toEqual({ outcome: 'threat', message: 'b.zip: Not scanned (SAM259210): password protected' });
  });
  test.each(['malicious', 'not_scanned', 'error', 'policy_violation'] as const)('%s is never clean', (verdict) => {
    expect(summarizeScan([entry({ verdict })], ['a.csv']).outcome).toBe('threat');
  });
  test('scanning disabled says so', () => {
    const report = [entry({ engine: 'content-checks' }), entry({ engine: 'none', verdict: 'skipped', details: 'not scanned: scanning is disabled' })];
    expect(summarizeScan(report, ['a.csv'], ['none'])).toEqual({ outcome: 'clean', message: 'not scanned: scanning is disabled; content checks passed' });
  });
});

describe('withScanResult', () => {
  test('replaces the same engine\'s entry for the file and keeps the others', () => {
    const report = withScanResult([entry({ verdict: 'pending', etag: '"1"' }), entry({ engine: 'content-checks' })], entry({ etag: '"1"' }));
    expect(report).toEqual([entry({ engine: 'content-checks' }), entry({ etag: '"1"' })]);
  });
  test('a pending entry does not overwrite an early verdict about the same version', () => {
    const early = entry({ verdict: 'malicious', etag: '0x1' });
    expect(withScanResult([early], entry({ verdict: 'pending', etag: '"0x1"' }))).toEqual([early]);
  });
  test('but it does replace a verdict about another version', () => {
    const stale = entry({ verdict: 'clean', etag: '0x1' });
    expect(withScanResult([stale], entry({ verdict: 'pending', etag: '0x2' }))).toEqual([entry({ verdict: 'pending', etag: '0x2' })]);
  });
});
