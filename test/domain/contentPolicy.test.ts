import { deflateRawSync } from 'node:zlib';
import {
  checkFile,
  checkRequestFiles,
  checkSubmittable,
  classifyFile,
  contentPolicyOf,
  ContentPolicy,
  DEFAULT_CONTENT_POLICY,
  detectContentType,
  FileType,
  Finding,
  typeFromExtension,
} from '../../src/domain/contentPolicy';
import { ValidationError } from '../../src/domain/errors';
import { clamavCapacity, RECOMMENDED_CLAMD_LIMITS } from '../../src/domain/scanCapacity';
import { defaultAirlockSettings } from '../../src/domain/workspace';
import { buildZip } from '../support/zipFixture';

const bytes = (...values: number[]) => Uint8Array.from(values);
const text = (value: string) => new TextEncoder().encode(value);
const withTail = (head: Uint8Array, filler = 64) => Uint8Array.from([...head, ...new Array(filler).fill(0)]);

/** Real file starts, as the tools that write these formats produce them. */
const SAMPLES: Record<string, Uint8Array> = {
  pdf: text('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n'),
  png: withTail(bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52)),
  jpg: withTail(bytes(0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01)),
  gif: withTail(text('GIF89a\x01\x00\x01\x00\x80\x00\x00')),
  tiffLittleEndian: withTail(bytes(0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00)),
  tiffBigEndian: withTail(bytes(0x4d, 0x4d, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08)),
  /** "PAR1", then a Thrift page header (binary, with NULs) */
  parquet: bytes(0x50, 0x41, 0x52, 0x31, 0x15, 0x04, 0x15, 0x00, 0x15, 0x00, 0x4c, 0x15, 0x02, 0x15, 0x00, 0x12, 0x00, 0x00),
  zip: buildZip([{ name: 'a.csv', content: 'a,b\n1,2\n' }]),
  emptyZip: buildZip([]),
  gzip: withTail(bytes(0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03)),
  /** "MZ", DOS stub, and the PE header offset */
  windowsExe: withTail(bytes(0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00)),
  elf: withTail(bytes(0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00)),
  machO64: withTail(bytes(0xcf, 0xfa, 0xed, 0xfe, 0x07, 0x00, 0x00, 0x01)),
  machOUniversal: withTail(bytes(0xca, 0xfe, 0xba, 0xbe, 0x00, 0x00, 0x00, 0x02)),
  shellScript: text('#!/bin/sh\nrm -rf "$HOME"\n'),
  csv: text('participant,age,score\np01,34,0.91\np02,29,0.87\n'),
  tsvWithBom: text('\ufeffgene\tcount\nBRCA1\t12\n'),
  unicodeText: text('Größe: 12 µm — naïve café\n'),
  utf16Text: bytes(0xff, 0xfe, 0x61, 0x00, 0x2c, 0x00, 0x62, 0x00, 0x0a, 0x00),
  jsonObject: text('  {"cohort": "A", "n": 120}'),
  jsonArray: text('\n[\n  {"id": 1}\n]'),
  svg: text('<?xml version="1.0" encoding="UTF-8"?>\n<!-- figure 3 -->\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x">\n<svg xmlns="http://www.w3.org/2000/svg"></svg>'),
  bareSvg: text('<svg width="10" height="10"/>'),
  illustratorSvg: text(
    '<?xml version="1.0" encoding="utf-8"?>\n<!-- Generator: Adobe Illustrator 24.0.0 -->\n' +
      '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [\n' +
      '\t<!ENTITY ns_extend "http://ns.adobe.com/Extensibility/1.0/">\n\t<!ENTITY ns_ai "http://ns.adobe.com/AdobeIllustrator/10.0/">\n]>\n' +
      '<svg version="1.1" xmlns="http://www.w3.org/2000/svg"></svg>',
  ),
  unclosedComment: text('<!-- <svg>'),
  logLine: text('[INFO] pipeline finished\n'),
  html: text('<html><body>hi</body></html>'),
  randomBinary: bytes(0x00, 0x13, 0x37, 0xc0, 0x01, 0xd0, 0x0d, 0x00),
  empty: new Uint8Array(0),
};

describe('detectContentType', () => {
  test.each<[string, FileType]>([
    ['pdf', 'pdf'],
    ['png', 'png'],
    ['jpg', 'jpg'],
    ['gif', 'gif'],
    ['tiffLittleEndian', 'tiff'],
    ['tiffBigEndian', 'tiff'],
    ['parquet', 'parquet'],
    ['zip', 'zip'],
    ['emptyZip', 'zip'],
    ['gzip', 'gzip'],
    ['windowsExe', 'executable'],
    ['elf', 'executable'],
    ['machO64', 'executable'],
    ['machOUniversal', 'executable'],
    ['shellScript', 'executable'],
    ['csv', 'txt'],
    ['tsvWithBom', 'txt'],
    ['unicodeText', 'txt'],
    ['utf16Text', 'txt'],
    ['jsonObject', 'json'],
    ['jsonArray', 'json'],
    ['svg', 'svg'],
    ['bareSvg', 'svg'],
    ['illustratorSvg', 'svg'],
    ['unclosedComment', 'txt'],
    ['logLine', 'txt'],
    ['html', 'txt'],
    ['randomBinary', 'unknown'],
    ['empty', 'txt'],
  ])('%s is %s', (sample, expected) => {
    expect(detectContentType(SAMPLES[sample])).toBe(expected);
  });

  test('text that merely starts like a binary format stays text', () => {
    expect(detectContentType(text('MZ,12,4\nKA,3,9\n'))).toBe('txt');
    expect(detectContentType(text('PAR1,PAR2\n1,2\n'))).toBe('txt');
  });

  test('Parquet must also end with its magic when the tail is known', () => {
    expect(detectContentType(SAMPLES.parquet, text('PAR1'))).toBe('parquet');
    expect(detectContentType(SAMPLES.parquet, bytes(0, 0, 0, 0))).toBe('unknown');
  });

  test('invalid UTF-8 is not text', () => {
    expect(detectContentType(bytes(0x61, 0x62, 0xc3, 0x28))).toBe('unknown'); // broken 2-byte sequence
    expect(detectContentType(bytes(0x61, 0xc0, 0xaf))).toBe('unknown'); // overlong "/"
    expect(detectContentType(bytes(0x61, 0xed, 0xa0, 0x80))).toBe('unknown'); // UTF-16 surrogate
    expect(detectContentType(bytes(0x61, 0x62, 0x00, 0x63))).toBe('unknown'); // NUL
  });

  test('a multi-byte character cut off by the end of the sample is still text', () => {
    const euro = text('price: 5€');
    expect(detectContentType(euro.subarray(0, euro.length - 1))).toBe('txt');
  });

  test('only the first 8 KiB are looked at', () => {
    const late = Uint8Array.from([...text('a'.repeat(8 * 1024)), 0x00, 0xff]);
    expect(detectContentType(late)).toBe('txt');
  });
});

describe('typeFromExtension', () => {
  test.each<[string, FileType | undefined]>([
    ['data.csv', 'csv'],
    ['DATA.CSV', 'csv'],
    ['out/results.tsv', 'tsv'],
    ['photo.jpeg', 'jpg'],
    ['scan.tif', 'tiff'],
    ['table.parquet', 'parquet'],
    ['archive.tar.gz', 'gzip'],
    ['book.xlsx', 'xlsx'],
    ['setup.exe', 'executable'],
    ['run.sh', 'executable'],
    ['Macro.VBS', 'executable'],
    ['README', undefined],
    ['.bashrc', undefined],
    ['notes.', undefined],
    ['analysis.R', undefined],
    ['dir.v2/README', undefined],
  ])('%s → %s', (name, expected) => {
    expect(typeFromExtension(name)).toBe(expected);
  });
});

describe('checkFile', () => {
  const policy = DEFAULT_CONTENT_POLICY;
  const check = (name: string, sample: Uint8Array, overrides: Partial<ContentPolicy> = {}, size = sample.length) =>
    checkFile({ name, size, head: sample }, { ...policy, ...overrides });
  const rules = (findings: Finding[]) => findings.map((finding) => finding.rule);

  describe('extension against content', () => {
    test.each<[string, string, boolean]>([
      // text family: csv, tsv and txt accept any text
      ['data.csv', 'csv', true],
      ['data.tsv', 'csv', true],
      ['notes.txt', 'unicodeText', true],
      ['data.csv', 'tsvWithBom', true],
      ['dump.txt', 'jsonObject', true],
      ['figure.txt', 'svg', true],
      ['data.csv', 'png', false],
      ['data.txt', 'randomBinary', false],
      // json and svg need content of their own kind
      ['cohort.json', 'jsonArray', true],
      ['cohort.json', 'csv', false],
      ['cohort.json', 'logLine', false],
      ['figure.svg', 'svg', true],
      ['figure.svg', 'html', false],
      ['figure.svg', 'png', false],
      // binary types must match exactly
      ['plot.png', 'png', true],
      ['plot.png', 'jpg', false],
      ['plot.png', 'csv', false],
      ['photo.jpeg', 'jpg', true],
      ['paper.pdf', 'pdf', true],
      ['paper.pdf', 'zip', false],
      ['table.parquet', 'parquet', true],
      ['bundle.zip', 'zip', true],
      ['bundle.zip', 'gzip', false],
      // office documents are zips inside
      ['book.xlsx', 'zip', true],
      ['letter.docx', 'zip', true],
      ['book.xlsx', 'pdf', false],
      // no or unknown extension: judged by content only
      ['README', 'csv', true],
      ['figure', 'png', true],
      ['analysis.R', 'csv', true],
    ])('%s holding %s content matches: %s', (name, sample, matches) => {
      expect(rules(check(name, SAMPLES[sample], { allowedTypes: [] })).includes('extension-mismatch')).toBe(!matches);
    });

    test('the message names the file, what the content is and what the name claims', () => {
      expect(check('report.png', SAMPLES.csv)).toContainEqual({
        rule: 'extension-mismatch',
        message: 'report.png: the content is text, not png (the extension does not match the content)',
      });
    });
  });

  describe('executables', () => {
    test('a renamed Windows executable is blocked whatever its extension', () => {
      const findings = check('data.csv', SAMPLES.windowsExe);
      expect(findings).toEqual([
        { rule: 'executable', message: 'data.csv: the content is an executable program or script, not csv; executables and scripts cannot pass the airlock' },
      ]);
    });

    test.each(['elf', 'machO64', 'machOUniversal', 'shellScript'])('%s named results.txt is blocked', (sample) => {
      expect(rules(check('results.txt', SAMPLES[sample]))).toEqual(['executable']);
    });

    test('a program extension is blocked even when the content is harmless text', () => {
      expect(check('cleanup.sh', SAMPLES.csv)).toEqual([
        { rule: 'executable', message: 'cleanup.sh: the extension .sh is that of a program or script; executables and scripts cannot pass the airlock' },
      ]);
    });

    test('an executable is blocked even if a workspace allowed the type', () => {
      expect(rules(check('tool', SAMPLES.elf, { allowedTypes: ['executable', 'unknown'] }))).toEqual(['executable']);
    });
  });

  describe('allow-list', () => {
    test('the default allows the common research outputs', () => {
      for (const [name, sample] of [
        ['a.csv', 'csv'],
        ['a.tsv', 'csv'],
        ['a.txt', 'unicodeText'],
        ['a.json', 'jsonObject'],
        ['a.pdf', 'pdf'],
        ['a.png', 'png'],
        ['a.jpg', 'jpg'],
        ['a.svg', 'svg'],
        ['a.parquet', 'parquet'],
        ['a.zip', 'zip'],
      ]) {
        expect([name, check(name, SAMPLES[sample])]).toEqual([name, []]);
      }
    });

    test('a type outside the allow-list is named with what is allowed', () => {
      expect(check('animation.gif', SAMPLES.gif, { allowedTypes: ['csv', 'png'] })).toEqual([
        { rule: 'type-not-allowed', message: 'animation.gif: gif files are not allowed in this workspace (allowed: csv, png)' },
      ]);
    });

    test('an office document is judged as what it is, not as a zip', () => {
      expect(classifyFile({ name: 'book.xlsx', head: SAMPLES.zip }).type).toBe('xlsx');
      expect(rules(check('book.xlsx', SAMPLES.zip))).toEqual(['type-not-allowed']);
      expect(check('book.xlsx', SAMPLES.zip, { allowedTypes: ['xlsx'] })).toEqual([]);
    });

    test('a csv is judged as csv: a workspace may allow csv but not txt', () => {
      expect(check('data.csv', SAMPLES.csv, { allowedTypes: ['csv'] })).toEqual([]);
      expect(rules(check('notes.txt', SAMPLES.csv, { allowedTypes: ['csv'] }))).toEqual(['type-not-allowed']);
    });

    test('unrecognised content is not allowed by default', () => {
      expect(check('blob', SAMPLES.randomBinary)).toEqual([
        {
          rule: 'type-not-allowed',
          message: 'blob: the content is of a type that could not be recognised in this workspace (allowed: csv, tsv, txt, json, pdf, png, jpg, svg, parquet, zip)',
        },
      ]);
    });

    test('a mismatched file is also judged by its real type', () => {
      expect(rules(check('plot.png', SAMPLES.gif))).toEqual(['extension-mismatch', 'type-not-allowed']);
    });
  });

  describe('size', () => {
    const limit = 1024 * 1024;

    test('a file at the limit passes', () => {
      expect(check('data.csv', SAMPLES.csv, { maxFileSizeBytes: limit }, limit)).toEqual([]);
    });

    test('a file one byte over the limit is blocked, in exact bytes when rounding would hide it', () => {
      expect(check('data.csv', SAMPLES.csv, { maxFileSizeBytes: limit }, limit + 1)).toEqual([
        { rule: 'size', message: "data.csv: the file is 1048577 bytes, over this workspace's limit of 1048576 bytes per file" },
      ]);
    });

    test('the default limit is 1 GiB', () => {
      expect(check('big.csv', SAMPLES.csv, {}, 1.5 * 1024 ** 3)).toEqual([
        { rule: 'size', message: "big.csv: the file is 1.5 GiB, over this workspace's limit of 1 GiB per file" },
      ]);
    });

    test('size findings come with the others', () => {
      expect(rules(check('big.png', SAMPLES.csv, { maxFileSizeBytes: 10 }, 11))).toEqual(['size', 'extension-mismatch']);
    });
  });
});

describe('checkRequestFiles', () => {
  test('up to the limit is fine', () => {
    expect(checkRequestFiles(0, DEFAULT_CONTENT_POLICY)).toEqual([]);
    expect(checkRequestFiles(50, DEFAULT_CONTENT_POLICY)).toEqual([]);
  });

  test('over the limit says how many and what is allowed', () => {
    expect(checkRequestFiles(51, DEFAULT_CONTENT_POLICY)).toEqual([
      {
        rule: 'count',
        message: 'the request has 51 files; this workspace allows at most 50 per request (combine files into a zip or split the request)',
      },
    ]);
    expect(checkRequestFiles(3, { ...DEFAULT_CONTENT_POLICY, maxFiles: 2 })).toHaveLength(1);
  });
});

describe('checkSubmittable: the same file-count rule, refused at submit', () => {
  const files = (count: number) => Array.from({ length: count }, (_, index) => ({ name: `f${index}.csv` }));

  test('no files, or more than the workspace allows, is a 400 saying so', () => {
    expect(() => checkSubmittable(files(0), { maxFiles: 2 })).toThrow(ValidationError);
    expect(() => checkSubmittable(files(2), { maxFiles: 2 })).not.toThrow();
    expect(() => checkSubmittable(files(3), { maxFiles: 2 })).toThrow(
      new ValidationError('the request has 3 files; this workspace allows at most 2 per request (combine files into a zip or split the request)'),
    );
  });
});

describe('contentPolicyOf', () => {
  test('the workspace sets count, size, expansion and types; the scanner\'s capacity is kept as given', () => {
    const settings = defaultAirlockSettings({ maxFiles: 7, maxFileSizeMb: 2, allowedFileTypes: ['csv', 'pdf'] });
    const capacity = clamavCapacity(RECOMMENDED_CLAMD_LIMITS);
    expect(contentPolicyOf(settings, capacity)).toEqual({
      ...DEFAULT_CONTENT_POLICY,
      maxFiles: 7,
      maxFileSizeBytes: 2 * 1024 * 1024,
      maxExpandedBytes: 2 * 1024 * 1024,
      allowedTypes: ['csv', 'pdf'],
      scanCapacity: capacity,
    });
  });
});

test('the real deflate of text is not mistaken for anything', () => {
  // compressed data without a container is noise to us: not allowed, never "text"
  expect(detectContentType(deflateRawSync(Buffer.from('a,b\n'.repeat(1000))))).toBe('unknown');
});
