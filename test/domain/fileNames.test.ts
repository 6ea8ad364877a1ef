import { ValidationError } from '../../src/domain/errors';
import { checkFileNames, fileNameProblem, fileNameProblems, MAX_FILE_NAME_LENGTH, unaddressableBlobName } from '../../src/domain/fileNames';

describe('fileNameProblem', () => {
  test.each([
    'cohort.csv',
    'results/table 1.csv',
    'données/café.txt',
    '報告.pdf',
    '.hidden',
    'a..b.txt',
    'x'.repeat(MAX_FILE_NAME_LENGTH),
  ])('accepts %j', (name) => {
    expect(fileNameProblem(name)).toBeUndefined();
  });

  test.each([
    ['', /empty/],
    ['../secret.csv', /'\.' or '\.\.' folder/],
    ['x/./a.txt', /'\.' or '\.\.' folder/],
    ['sub/../a.txt', /'\.' or '\.\.' folder/],
    ['..', /'\.' or '\.\.' folder/],
    ['dir/', /ends with '\/'/],
    ['/leading.csv', /empty folder/],
    ['a//b.csv', /empty folder/],
    ['a\u0001b.txt', /control characters/],
    ['tab\there.txt', /control characters/],
    ['line\nbreak.txt', /control characters/],
    ['del\u007f.txt', /control characters/],
    ['c1\u0085.txt', /control characters/],
    ['report\u202Etxt.exe', /direction-changing/],
    ['zero\u200Bwidth.csv', /invisible/],
    ['win\\path.csv', /contains '\\'/],
    ['trailing.', /ends with '\.'/],
    ['dir./a.csv', /ends with '\.'/],
    ['cafe\u0301.txt', /NFC/],
    ['x'.repeat(MAX_FILE_NAME_LENGTH + 1), new RegExp(`at most ${MAX_FILE_NAME_LENGTH}`)],
  ])('refuses %j: %s', (name, reason) => {
    expect(fileNameProblem(name)).toMatch(reason);
  });

  test('what cannot be addressed exactly by URL is also refused by the storage adapter, with the same words', () => {
    expect(unaddressableBlobName('a/../b')).toBe(fileNameProblem('a/../b'));
    // Deceptive or non-NFC names can be addressed; they are refused at submit only.
    expect(unaddressableBlobName('cafe\u0301.txt')).toBeUndefined();
  });
});

describe('fileNameProblems', () => {
  test('two names that would be one file on a reviewer\'s disk are refused, naming both', () => {
    expect(fileNameProblems(['Data.csv', 'data.csv'])).toEqual(['"data.csv" and "Data.csv" differ only in letter case or Unicode form']);
  });

  test('the same text in NFC and NFD is one name: the NFD one is named, for both reasons', () => {
    const problems = fileNameProblems(['caf\u00e9.txt', 'cafe\u0301.txt']);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/NFC/);
    expect(problems[1]).toMatch(/differ only in letter case or Unicode form/);
  });

  test('distinct names pass', () => {
    expect(fileNameProblems(['a.csv', 'b.csv', 'dir/a.csv'])).toEqual([]);
  });
});

describe('checkFileNames', () => {
  test('a refusal is a 400 that tells the requester which files to rename, with control characters shown escaped', () => {
    expect(() => checkFileNames(['ok.csv', 'a\u0001b.txt', '../x.csv'])).toThrow(ValidationError);
    expect(() => checkFileNames(['ok.csv', 'a\u0001b.txt'])).toThrow('"a\\u0001b.txt": the name contains control characters');
  });

  test('a long list of problems is cut, saying how many more', () => {
    const names = Array.from({ length: 25 }, (_, i) => `bad${i}/`);
    expect(() => checkFileNames(names)).toThrow(/and 5 more$/);
  });

  test('acceptable names pass silently', () => {
    expect(() => checkFileNames(['a.csv', 'b/c.json'])).not.toThrow();
  });
});
