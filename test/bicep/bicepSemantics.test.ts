/**
 * What `bicep build` would reject across our own files (see bicepSemantics.ts), over every template,
 * module and example parameters file; each check is first shown to fail on a broken snippet.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { BICEP_DIR, bicepFiles, bicepParser, propertyKey, readRepoFile, REPO_ROOT } from './bicepParser';
import { apiVersionDrift, BicepFileModel, bicepModels, fileProblems, modelOf, moduleProblems, modulePath, objectValue, parameterFileProblems } from './bicepSemantics';

const files = bicepFiles();
let models = new Map<string, BicepFileModel>();

async function parse(text: string, file: string): Promise<BicepFileModel> {
  const parser = await bicepParser();
  return modelOf(parser.parse(text).rootNode, file);
}

beforeAll(async () => {
  models = await bicepModels();
});

const load = (file: string) => models.get(file);

describe('bicep semantics: the checks catch what the compiler would', () => {
  it('an undeclared name, an unused parameter or variable, a duplicate, a wrong parent, an unguarded conditional, a secret output', async () => {
    const model = await parse(
      [
        "param used string",
        "param unused string",
        "@secure()",
        "param password string",
        "var twice = 1",
        "var twice = 2",
        "var names = [for (x, i) in range(0, 3): '${x}-${i}-${used}']",
        "var lengths = map(names, n => length(n))",
        "resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = { name: missing }",
        "resource topic 'Microsoft.EventGrid/topics@2025-02-15' existing = { name: 't' }",
        "resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = { parent: topic, name: 'default' }",
        "resource bad 'Microsoft.Storage@2023' = { name: 'x' }",
        "output leaked string = 'x${password}'",
        "output fine array = [lengths, twice, account.id, az.resourceGroup().location]",
        "module maybe 'm.bicep' = if (length(used) > 1) { name: 'maybe' }",
        "resource maybeTopic 'Microsoft.EventGrid/topics@2025-02-15' = if (length(used) > 2) { name: 't2' }",
        "output unguarded string = maybe.outputs.id",
        "output guarded string = length(used) > 1 ? maybe.outputs.id : ''",
        "output unguardedProperty string = maybeTopic.properties.endpoint",
        "output resourceIdIsFine string = maybeTopic.id",
      ].join('\n'),
      'bicep/broken.bicep',
    );
    expect(fileProblems(model)).toEqual([
      "bicep/broken.bicep:6 'twice' is declared twice (also line 5)",
      "bicep/broken.bicep:9 'missing' is not declared",
      "bicep/broken.bicep:2 parameter 'unused' is never used",
      "bicep/broken.bicep:11 resource 'blobs' (Microsoft.Storage/storageAccounts/blobServices) cannot have parent 'topic' (Microsoft.EventGrid/topics)",
      "bicep/broken.bicep:12 resource 'bad' has a malformed type 'Microsoft.Storage@2023'",
      "bicep/broken.bicep:17 'maybe' is conditional: read its outputs only inside a ternary on its condition",
      "bicep/broken.bicep:19 'maybeTopic' is conditional: read its properties only inside a ternary on its condition",
      "bicep/broken.bicep:13 output 'leaked' exposes the @secure() parameter 'password'",
    ]);
  });

  it('a module given an unknown parameter, missing a required one, or read for an output it lacks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bicep-'));
    try {
      const childPath = relative(REPO_ROOT, join(dir, 'child.bicep'));
      writeFileSync(join(dir, 'child.bicep'), "param required string\nparam optional int = 1\noutput id string = required\n");
      const child = await parse(readRepoFile(childPath), childPath);
      const parentFile = relative(REPO_ROOT, join(dir, 'parent.bicep'));
      const parent = await parse(
        [
          "module ok 'child.bicep' = { name: 'a', params: { required: 'x', optional: 2 } }",
          "module wrong 'child.bicep' = [for i in range(0, 2): { name: 'b${i}', params: { optional: 2, typo: 'x' } }]",
          "module gone 'missing.bicep' = { name: 'c' }",
          "output a string = ok.outputs.id",
          "output b string = wrong[0].outputs.name",
        ].join('\n'),
        parentFile,
      );
      expect(moduleProblems(parent, (file) => (file === childPath ? child : undefined))).toEqual([
        `${parentFile}:2 module 'wrong': ${childPath} has no parameter 'typo'`,
        `${parentFile}:2 module 'wrong': required parameter 'required' of ${childPath} is not given`,
        `${parentFile}:3 module 'gone': ${relative(REPO_ROOT, join(dir, 'missing.bicep'))} does not exist`,
        `${parentFile}:5 module 'wrong': ${childPath} has no output 'name'`,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('two API versions of one type, and a parameters file that does not fit its template', async () => {
    const a = await parse("resource x 'Microsoft.Web/sites@2024-04-01' = { name: 'a' }", 'a.bicep');
    const b = await parse("resource y 'Microsoft.Web/sites@2023-12-01' = { name: 'b' }", 'b.bicep');
    expect(apiVersionDrift([a, b])).toEqual(['Microsoft.Web/sites: 2024-04-01 (a.bicep:1), 2023-12-01 (b.bicep:1)']);

    const template = await parse("param needed string\n@allowed([\n  'x'\n  'y'\n])\nparam choice string = 'x'\nparam other int = 1\n", 't.bicep');
    expect(parameterFileProblems('t.json', { choice: { value: 'z' }, unknown: { value: 1 } }, template)).toEqual([
      "t.json: 'choice' = \"z\" is not one of [\"x\",\"y\"]",
      "t.json: 'unknown' is not a parameter of t.bicep",
      "t.json: required parameter 'needed' of t.bicep is missing",
    ]);
  });
});

describe('bicep semantics of the templates', () => {
  it.each(files)('%s: every name is declared and used, parents fit, no secret output', (file) => {
    expect(fileProblems(models.get(file)!)).toEqual([]);
  });

  it.each(files)('%s: modules get the parameters they declare and are read for outputs they have', (file) => {
    expect(moduleProblems(models.get(file)!, load)).toEqual([]);
  });

  it('every module file is used by a template', () => {
    const used = new Set([...models.values()].flatMap((model) => [...model.modules.values()].map((m) => modulePath(model.file, m.path))));
    expect(files.filter((file) => file.startsWith('bicep/modules/') && !used.has(file))).toEqual([]);
  });

  it('each resource type uses one API version in every file', () => {
    expect(apiVersionDrift([...models.values()])).toEqual([]);
  });

  const parameterFiles = readdirSync(BICEP_DIR).filter((name) => name.endsWith('.parameters.example.json'));

  it('there is an example parameters file for each deployable template (and for a core in an existing TRE network)', () => {
    expect(parameterFiles.sort()).toEqual(['main.existing-network.parameters.example.json', 'main.parameters.example.json', 'workspace.parameters.example.json']);
  });

  /** The parameters main.bicep's `workspaceParameters` output hands to workspace.bicep (values are expressions). */
  function coreParametersForWorkspace(): Record<string, { value?: unknown }> {
    const output = models.get('bicep/main.bicep')!.outputs.get('workspaceParameters');
    const value = output && output.node.namedChildren[output.node.namedChildren.length - 1];
    const parameters = objectValue(value, 'parameters');
    const keys = parameters ? parameters.namedChildren.filter((p) => p.type === 'object_property').map((p) => propertyKey(p) ?? '') : [];
    return Object.fromEntries(keys.map((key) => [key, {}]));
  }

  it("main.bicep's workspaceParameters output names parameters of workspace.bicep only", () => {
    const fromCore = coreParametersForWorkspace();
    expect(Object.keys(fromCore)).toEqual(expect.arrayContaining(['functionIdentityPrincipalId', 'scanResultsTopicId', 'functionAppSubnetId']));
    expect(Object.keys(fromCore).filter((key) => !models.get('bicep/workspace.bicep')!.params.has(key))).toEqual([]);
  });

  it.each(parameterFiles)('%s sets only parameters of its template, all required ones (with the core\'s output for a workspace), allowed values only', (name) => {
    const template = `bicep/${name.split('.')[0]}.bicep`; // main.existing-network.parameters... -> main.bicep
    const parameters = (JSON.parse(readRepoFile(`bicep/${name}`)) as { parameters: Record<string, { value?: unknown }> }).parameters;
    const given = template === 'bicep/workspace.bicep' ? { ...coreParametersForWorkspace(), ...parameters } : parameters;
    expect(parameterFileProblems(`bicep/${name}`, given, models.get(template)!)).toEqual([]);
  });
});
