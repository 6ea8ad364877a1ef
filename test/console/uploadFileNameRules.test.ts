import { blobNameOf, clashWith, MAX_NAME_LENGTH, nameProblem } from '../../console/src/upload/fileNameRules';

describe('file names the airlock accepts (the rules of src/domain/fileNames.ts)', () => {
  it.each(['data.csv', 'results/table 1.tsv', 'été.txt', 'a/b/c.json', '.hidden', 'x'.repeat(MAX_NAME_LENGTH)])('accepts %j', (name) => {
    expect(nameProblem(name)).toBeUndefined();
  });

  it.each([
    ['', /empty/],
    ['a\u0007b.txt', /control characters/],
    ['a\u0085b.txt', /control characters/],
    ['dir\\file.txt', /'\\'/],
    ['folder/', /ends with '\/'/],
    ['/leading.txt', /empty folder/],
    ['a//b.txt', /empty folder/],
    ['./a.txt', /'\.' or '\.\.' folder/],
    ['a/../b.txt', /'\.' or '\.\.' folder/],
    ['report.', /ends with '\.'/],
    ['dir./file.txt', /ends with '\.'/],
    ['x'.repeat(MAX_NAME_LENGTH + 1), /256 characters; at most 255/],
    ['report\u202Etxt.exe', /direction-changing/],
    ['zero\u200Bwidth.txt', /invisible/],
    ['e\u0301te.txt', /NFC/],
  ])('refuses %j, saying why', (name, reason) => {
    expect(nameProblem(name)).toMatch(reason);
  });

  it('names a blob by the file name in NFC, so a decomposed name from the disk is accepted', () => {
    const decomposed = 'e\u0301te\u0301.csv';
    expect(blobNameOf(decomposed)).toBe('\u00e9t\u00e9.csv');
    expect(nameProblem(blobNameOf(decomposed))).toBeUndefined();
  });

  it('refuses a name that differs from another only in letter case or Unicode form', () => {
    expect(clashWith('Data.csv', ['data.csv', 'other.csv'])).toMatch(/"Data.csv" and "data.csv" differ only in letter case/);
    expect(clashWith('\u00e9.txt', ['e\u0301.txt'])).toMatch(/Unicode form/);
  });

  it('lets the very same name through: uploading it replaces that file', () => {
    expect(clashWith('data.csv', ['data.csv'])).toBeUndefined();
    expect(clashWith('data.csv', ['other.csv'])).toBeUndefined();
  });
});
