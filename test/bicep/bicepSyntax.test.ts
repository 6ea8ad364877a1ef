/**
 * Every .bicep file under bicep/ parses. Syntax only (see bicepParser.ts): `az bicep build` and
 * what-if remain the real checks, and cannot run here.
 */
import { bicepFiles, bicepParser, readRepoFile, syntaxProblems } from './bicepParser';

const files = bicepFiles();

describe('bicep syntax (tree-sitter-bicep)', () => {
  it('finds the core, workspace and module templates', () => {
    expect(files).toEqual(expect.arrayContaining(['bicep/main.bicep', 'bicep/workspace.bicep', 'bicep/modules/functionApp.bicep']));
  });

  it('reports a broken file with file:line:col (the check itself works)', async () => {
    const parser = await bicepParser();
    const problems = syntaxProblems(parser.parse("param a string\nresource r 'x@1' = {\n  name: 'n'\n  properties: {\n"), 'broken.bicep');
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatch(/^broken\.bicep:\d+:\d+ (ERROR|MISSING)/);
  });

  it.each(files)('%s parses without ERROR or MISSING nodes', async (file) => {
    const parser = await bicepParser();
    const tree = parser.parse(readRepoFile(file));
    expect(syntaxProblems(tree, file)).toEqual([]);
    expect(tree.rootNode.hasError).toBe(false);
  });
});
