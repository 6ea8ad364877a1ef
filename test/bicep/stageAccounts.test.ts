/**
 * The stage accounts the bicep deploys are the ones src/domain/stages.ts names, with the same public
 * network access split as the seed (external accounts public + SAS only, the rest private), and CORS
 * for the console on exactly those a browser reaches through a link.
 */
import type Parser from 'web-tree-sitter';
import { CORE_ACCOUNTS, StageAccount, stageAccountFor, WORKSPACE_ACCOUNTS } from '../../src/domain/stages';
import { bicepParser, findProperties, propertyKey, propertyValue, readRepoFile, stringLiteral } from './bicepParser';
import { bicepModels, objectValue } from './bicepSemantics';

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

/** The stage accounts whose links the airlock issues (domain/permissions.ts `linkGrantFor`): a browser reaches them. */
const LINKED: readonly StageAccount[] = (['import', 'export'] as const).flatMap((type) => (['draft', 'in_progress', 'approved'] as const).map((stage) => stageAccountFor(type, stage)));

describe('the stage accounts a browser reaches answer CORS for the API\'s origins and the console\'s', () => {
  const moduleParam = async (file: string, module: string, param: string) => {
    const model = (await bicepModels()).get(file)!;
    return objectValue(objectValue(model.modules.get(module)!.body, 'params'), param)?.text;
  };

  it('the account module sets one rule from its corsAllowedOrigins parameter, none when it is empty', async () => {
    const model = (await bicepModels()).get('bicep/modules/stageStorageAccount.bicep')!;
    const blobService = [...model.resources.values()].find((resource) => resource.type === 'Microsoft.Storage/storageAccounts/blobServices')!;
    const rules = objectValue(objectValue(objectValue(blobService.body, 'properties'), 'cors'), 'corsRules')!;
    expect(rules.text).toMatch(/^empty\(corsAllowedOrigins\) \? \[\] : \[/);
    const rule = rules.descendantsOfType('object').find((node) => objectValue(node, 'allowedOrigins'))!;
    expect(objectValue(rule, 'allowedOrigins')!.text).toBe('corsAllowedOrigins');
    const list = (key: string) => objectValue(rule, key)!.namedChildren.filter((node) => node.type === 'string').map((node) => stringLiteral(node));
    expect(list('allowedMethods')).toEqual(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
    expect(list('allowedHeaders')).toEqual(['*']);
    expect(list('exposedHeaders')).toEqual(expect.arrayContaining(['etag', 'x-ms-*', 'content-length', 'content-range']));
    expect(readRepoFile('bicep/modules/stageStorageAccount.bicep')).toMatch(/^param corsAllowedOrigins array = \[\]$/m);
  });

  it('main.bicep: the Function App\'s origin and the corsAllowedOrigins parameter, on exactly the linked core accounts', async () => {
    expect((await variable('bicep/main.bicep', 'stageCorsOrigins')).text.replace(/\s+/g, ' ')).toBe("union([ 'https://${functionApp.outputs.defaultHostName}' ], corsAllowedOrigins)");
    const accounts = (await variable('bicep/main.bicep', 'coreStageAccounts')).namedChildren.filter((node) => node.type === 'object');
    const linked = accounts.filter((account) => propertyValue(findProperties(account, 'linked')[0])!.text === 'true').map((account) => stringLiteral(propertyValue(findProperties(account, 'role')[0])!));
    expect(linked).toEqual(CORE_ACCOUNTS.filter((account) => LINKED.includes(account)));
    expect(await moduleParam('bicep/main.bicep', 'stageAccounts', 'corsAllowedOrigins')).toBe('account.linked ? stageCorsOrigins : []');
    // The same parameter feeds the Function App's own CORS (the API).
    expect(await moduleParam('bicep/main.bicep', 'functionApp', 'corsAllowedOrigins')).toBe('corsAllowedOrigins');
  });

  it('workspace.bicep: the origins main.bicep hands it, on exactly the linked workspace accounts', async () => {
    const linked = (await variable('bicep/workspace.bicep', 'linkedStageAccounts')).namedChildren.filter((node) => node.type === 'string').map((node) => stringLiteral(node));
    expect(linked).toEqual(WORKSPACE_ACCOUNTS.filter((account) => LINKED.includes(account)));
    expect(await moduleParam('bicep/workspace.bicep', 'stageAccounts', 'corsAllowedOrigins')).toBe('contains(linkedStageAccounts, role) ? corsAllowedOrigins : []');
    const output = (await bicepModels()).get('bicep/main.bicep')!.outputs.get('workspaceParameters')!.node;
    const parameters = output.descendantsOfType('object_property').find((property) => propertyKey(property) === 'corsAllowedOrigins');
    expect(parameters?.text.replace(/\s+/g, ' ')).toBe('corsAllowedOrigins: { value: stageCorsOrigins }');
  });
});
