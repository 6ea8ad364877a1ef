/**
 * The stage accounts the bicep deploys are the ones src/domain/stages.ts names, with the same public
 * network access split as the seed (external accounts public + SAS only, the rest private).
 */
import type Parser from 'web-tree-sitter';
import { CORE_ACCOUNTS, WORKSPACE_ACCOUNTS } from '../../src/domain/stages';
import { bicepParser, findProperties, propertyValue, readRepoFile, stringLiteral } from './bicepParser';

async function variable(file: string, name: string): Promise<Parser.SyntaxNode> {
  const parser = await bicepParser();
  const root = parser.parse(readRepoFile(file)).rootNode;
  const declaration = root.namedChildren.find((node) => node.type === 'variable_declaration' && node.namedChildren[0]?.text === name);
  if (!declaration) throw new Error(`${file}: no var ${name}`);
  return declaration.namedChildren[declaration.namedChildren.length - 1];
}

describe('stage accounts in bicep match src/domain/stages.ts', () => {
  it('main.bicep deploys the core accounts, external exactly for stalimex and stalexapp', async () => {
    const accounts = (await variable('bicep/main.bicep', 'coreStageAccounts')).namedChildren.filter((node) => node.type === 'object');
    const roles = accounts.map((account) => stringLiteral(propertyValue(findProperties(account, 'role')[0])!));
    const external = accounts.map((account) => propertyValue(findProperties(account, 'external')[0])!.text);
    expect(roles).toEqual([...CORE_ACCOUNTS]);
    expect(roles.filter((_, i) => external[i] === 'true')).toEqual(['stalimex', 'stalexapp']);
    const text = readRepoFile('bicep/main.bicep');
    expect(text).toContain('var suffix = toLower(treId)');
    expect(text).toContain("name: '${account.role}${suffix}'");
    expect(text).toContain('external: account.external');
    expect(CORE_ACCOUNTS.indexOf('stalimip')).toBe(1); // main.bicep turns Defender on for stageAccounts[1]
    expect(text).toContain('storageAccountName: stageAccounts[1].outputs.name');
  });

  it('workspace.bicep deploys the workspace accounts, all internal, named <role>ws<last 4 of the id>', async () => {
    const roles = (await variable('bicep/workspace.bicep', 'workspaceStageAccounts')).namedChildren.filter((node) => node.type === 'string').map((node) => stringLiteral(node));
    expect(roles).toEqual([...WORKSPACE_ACCOUNTS]);
    const text = readRepoFile('bicep/workspace.bicep');
    expect(text).toContain("var accountSuffix = 'ws${skip(workspaceId, max(length(workspaceId) - 4, 0))}'");
    expect(text).toContain("name: take(toLower(replace('${role}${accountSuffix}', '-', '')), 24)");
    expect(text).toContain('external: false');
    expect(WORKSPACE_ACCOUNTS.indexOf('stalexip')).toBe(2); // workspace.bicep turns Defender on for stageAccounts[2]
  });
});
