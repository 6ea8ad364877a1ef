/**
 * What the malware scanner scans in full, and the findings for content beyond it. The largest file
 * size a workspace may set for the recommended clamd.conf, a short StreamMaxLength and Defender is in
 * test/domain/settingsLimits.test.ts.
 */
import {
  clamavCapacity,
  DEFENDER_CAPACITY,
  expansionBeyondCapacity,
  fileBeyondCapacity,
  LIBCLAMAV_MAX_FILE_BYTES,
  maxFileSizeMbFor,
  memberBeyondCapacity,
  ScanCapacity,
} from '../../src/domain/scanCapacity';

const MiB = 1024 * 1024;
const WHY = 'content a scanner cannot fully scan never passes, whatever the settings';

describe('clamavCapacity', () => {
  test('a file is scanned whole up to the smaller of StreamMaxLength and MaxFileSize', () => {
    expect(clamavCapacity({ maxFileSizeMb: 100, streamMaxLengthMb: 25, maxScanSizeMb: 400 }).maxFileBytes).toBe(25 * MiB);
    expect(clamavCapacity({ maxFileSizeMb: 50, streamMaxLengthMb: 100, maxScanSizeMb: 400 }).maxFileBytes).toBe(50 * MiB);
  });

  test('an archive member is limited by MaxFileSize only (it is not streamed), and a whole scan by MaxScanSize', () => {
    expect(clamavCapacity({ maxFileSizeMb: 100, streamMaxLengthMb: 25, maxScanSizeMb: 400 })).toMatchObject({ maxMemberBytes: 100 * MiB, maxScanBytes: 400 * MiB });
  });

  test("MaxFileSize of 2 GiB or more is held to libclamav's own limit, for files and members alike", () => {
    expect(LIBCLAMAV_MAX_FILE_BYTES).toBe(2_147_483_645);
    const capacity = clamavCapacity({ maxFileSizeMb: 4096, streamMaxLengthMb: 4096, maxScanSizeMb: 4095 });
    expect(capacity).toMatchObject({ maxFileBytes: LIBCLAMAV_MAX_FILE_BYTES, maxMemberBytes: LIBCLAMAV_MAX_FILE_BYTES, maxScanBytes: 4095 * MiB });
    // 2047 MiB is below the limit and kept as it is.
    expect(clamavCapacity({ maxFileSizeMb: 2047, streamMaxLengthMb: 4096, maxScanSizeMb: 4095 }).maxMemberBytes).toBe(2047 * MiB);
  });

  test('names the scanner and the three clamd.conf values it was told, for messages', () => {
    expect(clamavCapacity({ maxFileSizeMb: 100, streamMaxLengthMb: 25, maxScanSizeMb: 400 }).scanner).toBe(
      'ClamAV (clamd MaxFileSize 100M, StreamMaxLength 25M, MaxScanSize 400M)',
    );
  });
});

describe('DEFENDER_CAPACITY', () => {
  test('scans blobs up to 50 GB (decimal), and documents no limit for archive members or a whole scan', () => {
    expect(DEFENDER_CAPACITY.maxFileBytes).toBe(50_000_000_000);
    expect(DEFENDER_CAPACITY.maxMemberBytes).toBeUndefined();
    expect(DEFENDER_CAPACITY.maxScanBytes).toBeUndefined();
    expect(DEFENDER_CAPACITY.scanner).toMatch(/^Microsoft Defender for Storage/);
  });
});

describe('maxFileSizeMbFor', () => {
  test('is the whole MiB the scanner scans in full: a byte short of a MiB does not round up', () => {
    expect(maxFileSizeMbFor({ scanner: 's', maxFileBytes: 64 * MiB })).toBe(64);
    expect(maxFileSizeMbFor({ scanner: 's', maxFileBytes: 64 * MiB - 1 })).toBe(63);
    expect(maxFileSizeMbFor({ scanner: 's', maxFileBytes: 64 * MiB + MiB - 1 })).toBe(64);
  });
});

describe('the findings for content beyond the scanner', () => {
  const capacity: ScanCapacity = { scanner: 'TestScan', maxFileBytes: 64 * MiB, maxMemberBytes: 32 * MiB, maxScanBytes: 256 * MiB };

  test('a file of exactly the limit passes; one byte more is a scan-capacity finding that shows the exact sizes', () => {
    expect(fileBeyondCapacity('big.csv', 64 * MiB, capacity)).toBeUndefined();
    expect(fileBeyondCapacity('big.csv', 64 * MiB + 1, capacity)).toEqual({
      rule: 'scan-capacity',
      message: `big.csv: the file cannot be fully scanned: it is 67108865 bytes, and TestScan scans files of at most 67108864 bytes; ${WHY}`,
    });
  });

  test('sizes far enough apart are given in words', () => {
    expect(fileBeyondCapacity('big.csv', 70 * MiB, capacity)?.message).toBe(
      `big.csv: the file cannot be fully scanned: it is 70 MiB, and TestScan scans files of at most 64 MiB; ${WHY}`,
    );
  });

  test('sizes that would round to the same words are given in bytes, even when they are not a byte apart', () => {
    expect(fileBeyondCapacity('big.csv', 64 * MiB + 1000, capacity)?.message).toContain('it is 67109864 bytes, and TestScan scans files of at most 67108864 bytes;');
  });

  test('an archive member: at the limit passes, one byte more is named with what it expands to', () => {
    expect(memberBeyondCapacity('data.zip: member big.bin', 32 * MiB, capacity)).toBeUndefined();
    expect(memberBeyondCapacity('data.zip: member big.bin', 32 * MiB + 1, capacity)).toEqual({
      rule: 'scan-capacity',
      message: `data.zip: member big.bin cannot be fully scanned: it expands to 33554433 bytes, and TestScan scans archive members of at most 33554432 bytes; ${WHY}`,
    });
    expect(memberBeyondCapacity('data.zip: member big.bin', 40 * MiB, capacity)?.message).toContain('it expands to 40 MiB, and TestScan scans archive members of at most 32 MiB;');
  });

  test('an archive as a whole: at the limit passes, one byte more is named with its expanded size', () => {
    expect(expansionBeyondCapacity('data.zip: the zip', 256 * MiB, capacity)).toBeUndefined();
    expect(expansionBeyondCapacity('data.zip: the zip', 256 * MiB + 1, capacity)).toEqual({
      rule: 'scan-capacity',
      message: `data.zip: the zip cannot be fully scanned: it expands to 268435457 bytes, and TestScan scans at most 268435456 bytes in one scan; ${WHY}`,
    });
    expect(expansionBeyondCapacity('data.zip: the zip', 300 * MiB, capacity)?.message).toContain('it expands to 300 MiB, and TestScan scans at most 256 MiB in one scan;');
  });

  test('a scanner that documents no member or whole-scan limit sets none', () => {
    const huge = 10 * DEFENDER_CAPACITY.maxFileBytes;
    expect(memberBeyondCapacity('data.zip: member big.bin', huge, DEFENDER_CAPACITY)).toBeUndefined();
    expect(expansionBeyondCapacity('data.zip: the zip', huge, DEFENDER_CAPACITY)).toBeUndefined();
    expect(fileBeyondCapacity('big.bin', DEFENDER_CAPACITY.maxFileBytes + 1, DEFENDER_CAPACITY)?.rule).toBe('scan-capacity');
  });

  test("libclamav's limit: a file of 2 GiB is one the recommended clamd.conf cannot fully scan, and the message says by how much", () => {
    const clamav = clamavCapacity({ maxFileSizeMb: 2048, streamMaxLengthMb: 2048, maxScanSizeMb: 4095 });
    expect(fileBeyondCapacity('big.bin', LIBCLAMAV_MAX_FILE_BYTES, clamav)).toBeUndefined();
    expect(fileBeyondCapacity('big.bin', 2 * 1024 * MiB, clamav)?.message).toContain('it is 2147483648 bytes, and ClamAV (clamd MaxFileSize 2048M, StreamMaxLength 2048M, MaxScanSize 4095M) scans files of at most 2147483645 bytes;');
  });
});
