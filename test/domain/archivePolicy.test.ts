import {
  ArchiveMember,
  archiveExpansionVerdict,
  archiveMemberContentVerdict,
  archiveMemberVerdict,
  DEFLATED,
  memberReadVerdict,
  NESTED_ARCHIVE_MEMORY_LIMIT_BYTES,
  STORED,
} from '../../src/domain/archivePolicy';
import { DEFAULT_CONTENT_POLICY } from '../../src/domain/contentPolicy';

/** A deflated member of data.zip, 10:1, unless told otherwise. */
const member = (over: Partial<ArchiveMember> = {}): ArchiveMember => ({
  label: 'data.zip: member results.csv',
  fileName: 'results.csv',
  encrypted: false,
  compressionMethod: DEFLATED,
  compressedSize: 100,
  uncompressedSize: 1_000,
  ...over,
});
const ZIP_HEAD = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0]);
const CSV_HEAD = Buffer.from('a,b\n1,2\n');

describe('archiveMemberVerdict: what the header alone says', () => {
  test('an ordinary deflated or stored member passes', () => {
    expect(archiveMemberVerdict(member(), DEFAULT_CONTENT_POLICY)).toBeUndefined();
    expect(archiveMemberVerdict(member({ compressionMethod: STORED, compressedSize: 1_000 }), DEFAULT_CONTENT_POLICY)).toBeUndefined();
  });

  test('an encrypted member is not allowed: its content cannot be checked', () => {
    expect(archiveMemberVerdict(member({ encrypted: true }), DEFAULT_CONTENT_POLICY)).toEqual({
      rule: 'archive-encrypted',
      message: 'data.zip: member results.csv is encrypted; encrypted content cannot be checked, so remove the password',
    });
  });

  test('compression beyond the workspace ratio is a zip bomb; nothing expanding into something is the worst ratio', () => {
    expect(archiveMemberVerdict(member({ compressedSize: 1, uncompressedSize: 101 }), DEFAULT_CONTENT_POLICY)?.rule).toBe('archive-ratio');
    expect(archiveMemberVerdict(member({ compressedSize: 1, uncompressedSize: 100 }), DEFAULT_CONTENT_POLICY)).toBeUndefined();
    expect(archiveMemberVerdict(member({ compressedSize: 0, uncompressedSize: 1 }), DEFAULT_CONTENT_POLICY)?.message).toMatch(/expands infinitely:1/);
  });

  test('a program or script inside an archive is refused by its name', () => {
    expect(archiveMemberVerdict(member({ fileName: 'bin/run.sh' }), DEFAULT_CONTENT_POLICY)?.rule).toBe('executable');
  });

  test('a header that cannot be trusted is a finding, not a member skipped', () => {
    expect(archiveMemberVerdict(member({ compressionMethod: 14 }), DEFAULT_CONTENT_POLICY)?.rule).toBe('archive-unreadable');
    expect(archiveMemberVerdict(member({ compressionMethod: STORED }), DEFAULT_CONTENT_POLICY)?.message).toMatch(/inconsistent sizes/);
  });
});

describe('archiveMemberContentVerdict: what the first bytes say', () => {
  test('executable content is refused whatever the name', () => {
    expect(archiveMemberContentVerdict(member(), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1]), 1, DEFAULT_CONTENT_POLICY)).toMatchObject({ rule: 'executable' });
  });

  test('a nested zip is opened up to the workspace depth, then refused', () => {
    const inner = member({ fileName: 'inner.zip', label: 'data.zip: member inner.zip' });
    expect(archiveMemberContentVerdict(inner, ZIP_HEAD, 2, DEFAULT_CONTENT_POLICY)).toBe('open');
    expect(archiveMemberContentVerdict(inner, ZIP_HEAD, 3, DEFAULT_CONTENT_POLICY)).toEqual({
      rule: 'archive-depth',
      message: 'data.zip: member inner.zip is a zip nested 4 levels deep; at most 3 levels are allowed',
    });
  });

  test('a zip hidden behind another extension is still a nested zip', () => {
    expect(archiveMemberContentVerdict(member(), ZIP_HEAD, 1, DEFAULT_CONTENT_POLICY)).toBe('open');
    expect(archiveMemberContentVerdict(member(), CSV_HEAD, 1, DEFAULT_CONTENT_POLICY)).toBeUndefined();
  });

  test('a nested zip too large to hold is refused rather than left unchecked', () => {
    const big = member({ fileName: 'inner.zip', uncompressedSize: NESTED_ARCHIVE_MEMORY_LIMIT_BYTES + 1 });
    expect(archiveMemberContentVerdict(big, ZIP_HEAD, 1, DEFAULT_CONTENT_POLICY)).toMatchObject({ rule: 'archive-size', message: expect.stringMatching(/too large to inspect/) });
  });
});

describe('expansion', () => {
  test('what the headers declare may not exceed the workspace limit', () => {
    expect(archiveExpansionVerdict('data.zip: the zip', 10, { maxExpandedBytes: 10 })).toBeUndefined();
    expect(archiveExpansionVerdict('data.zip: the zip', 11, { maxExpandedBytes: 10 })).toEqual({
      rule: 'archive-size',
      message: "data.zip: the zip expands to 11 bytes, over this workspace's limit of 10 bytes",
    });
  });

  test('a member whose data outgrows its header is a zip bomb; one that falls short is damaged', () => {
    expect(memberReadVerdict('over-declared-size', member(), 'data.zip: the zip', DEFAULT_CONTENT_POLICY).rule).toBe('archive-size');
    expect(memberReadVerdict('under-declared-size', member(), 'data.zip: the zip', DEFAULT_CONTENT_POLICY).rule).toBe('archive-unreadable');
  });
});
