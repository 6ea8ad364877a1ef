/**
 * The settings the code reads, the Function App settings in bicep and local.settings.sample.json name
 * the same things: a setting the code reads and a deployment lacks fails here, and so does one that is
 * configured but never read.
 *
 * "Read by the code": in src/**\/*.ts outside src/local and src/tools (the local host and its tools), every `env.NAME`,
 * `process.env.NAME`, `env['NAME']`, and every call `helper('NAME', ...)` of a helper whose first
 * parameter indexes the environment (`required`, `positiveInt` in src/config.ts), plus every
 * `%NAME%` in host.json (AIRLOCK_TASK_HUB). Only AIRLOCK_* and AZURE_CLIENT_ID count; platform settings
 * (AzureWebJobsStorage__*, APPLICATIONINSIGHTS_*, FUNCTIONS_*) are the host's, not the code's.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type Parser from 'web-tree-sitter';
import { bicepFiles, bicepParser, findProperties, propertyKey, propertyValue, readRepoFile, REPO_ROOT, stringLiteral } from './bicepParser';

const FUNCTION_APP_MODULE = 'bicep/modules/functionApp.bicep';

/** Read only by the local host (src/local, src/tools): may be in the sample, must not be in the Azure app settings. */
// CORS in Azure is the platform's (siteConfig.cors), not an app setting the code reads.
const LOCAL_HOST_ONLY = ['PORT', 'AIRLOCK_DATA_DIR', 'AIRLOCK_LOCAL_WORKSPACES', 'AIRLOCK_WEBHOOKS', 'AIRLOCK_CORS_ALLOWED_ORIGINS', 'AIRLOCK_LOCAL_DURABLE_CLOCK_RATE'];

/** Settings of the Functions host and platform in the bicep app settings: not the code's to read. */
const PLATFORM_SETTING = /^(AzureWebJobs\w*|APPLICATIONINSIGHTS_\w+|FUNCTIONS_\w+|WEBSITE_\w+)$/;

const isAirlockSetting = (name: string): boolean => /^AIRLOCK_[A-Z0-9_]+$/.test(name) || name === 'AZURE_CLIENT_ID';
const sorted = (names: Iterable<string>): string[] => [...new Set(names)].sort();
const minus = (a: Iterable<string>, b: Iterable<string>): string[] => {
  const exclude = new Set(b);
  return sorted([...a].filter((name) => !exclude.has(name)));
};

function sourceFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...sourceFiles(path));
    else if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) found.push(path);
  }
  return found;
}

/** Comments out (a `//` after ':' or a quote is taken for a URL), so documentation naming a setting is not a read. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

export function settingsReadBySource(files: { path: string; text: string }[]): Map<string, string[]> {
  const readers = new Map<string, string[]>();
  const note = (name: string, where: string): void => {
    if (!isAirlockSetting(name)) return;
    readers.set(name, [...(readers.get(name) ?? []), where]);
  };
  for (const { path, text: raw } of files) {
    const text = withoutComments(raw);
    for (const match of text.matchAll(/\b(?:process\.)?env\.([A-Z][A-Z0-9_]*)\b/g)) note(match[1], path);
    for (const match of text.matchAll(/\benv\[\s*['"`]([A-Z][A-Z0-9_]*)['"`]\s*\]/g)) note(match[1], path);
    // helpers such as `const required = (name: string) => { const value = env[name] ...`
    const helpers = [...text.matchAll(/(?:const|function)\s+(\w+)\s*=?\s*(?:async\s*)?\(\s*(\w+)\s*:\s*string[^)]*\)[^{]*\{[^}]*?\benv\[\s*\2\s*\]/g)].map((m) => m[1]);
    for (const helper of helpers) {
      for (const match of text.matchAll(new RegExp(`\\b${helper}\\(\\s*['"\`]([A-Z][A-Z0-9_]*)['"\`]\\s*[,)]`, 'g'))) note(match[1], path);
    }
  }
  return readers;
}

function settingsReadByCode(): string[] {
  const files = sourceFiles(join(REPO_ROOT, 'src'))
    // The local host and the tools that work with it are not what the Function App runs.
    .filter((path) => !/^(local|tools)\//.test(relative(join(REPO_ROOT, 'src'), path)))
    .map((path) => ({ path: relative(REPO_ROOT, path), text: readFileSync(path, 'utf8') }));
  const fromSource = [...settingsReadBySource(files).keys()];
  const fromHost = [...readRepoFile('host.json').matchAll(/%([A-Za-z0-9_]+)%/g)].map((m) => m[1]).filter(isAirlockSetting);
  return sorted([...fromSource, ...fromHost]);
}

/** Names of every `appSettings: [{ name: '...' }]` entry in a parsed bicep file. */
function appSettingNames(root: Parser.SyntaxNode): { names: string[]; unreadable: string[] } {
  const names: string[] = [];
  const unreadable: string[] = [];
  for (const property of findProperties(root, 'appSettings')) {
    const array = propertyValue(property);
    if (array?.type !== 'array') {
      unreadable.push(`appSettings at line ${property.startPosition.row + 1} is not an array literal`);
      continue;
    }
    for (const entry of array.namedChildren.filter((child) => child.type !== 'comment')) {
      const nameProperty = entry.type === 'object' ? entry.namedChildren.find((p) => p.type === 'object_property' && propertyKey(p) === 'name') : undefined;
      const value = nameProperty && propertyValue(nameProperty);
      const name = value && stringLiteral(value);
      if (name) names.push(name);
      else unreadable.push(`entry at line ${entry.startPosition.row + 1} has no literal name`);
    }
  }
  return { names, unreadable };
}

describe('app settings: code, bicep and local.settings.sample.json agree', () => {
  const codeReads = settingsReadByCode();
  const sampleValues = Object.keys((JSON.parse(readRepoFile('local.settings.sample.json')) as { Values: Record<string, string> }).Values);
  let bicepNames: string[] = [];

  beforeAll(async () => {
    const parser = await bicepParser();
    const { names, unreadable } = appSettingNames(parser.parse(readRepoFile(FUNCTION_APP_MODULE)).rootNode);
    expect(unreadable).toEqual([]);
    bicepNames = names;
  });

  it('finds the settings the code reads (the extraction itself works)', () => {
    expect(codeReads).toEqual(
      expect.arrayContaining(['AIRLOCK_TASK_HUB', 'AIRLOCK_TRE_ID', 'AIRLOCK_SAS_EXPIRY_MINUTES', 'AIRLOCK_SMTP_PORT', 'AIRLOCK_COSMOS_KEY', 'AZURE_CLIENT_ID']),
    );
    for (const local of LOCAL_HOST_ONLY) expect(codeReads).not.toContain(local);
  });

  it('the extraction sees env reads, helper calls and ignores comments and messages', () => {
    const text = [
      "const required = (name: string): string => { const value = env[name]?.trim(); return value ?? ''; };",
      "const a = env.AIRLOCK_A; const b = process.env.AIRLOCK_B; const c = env['AIRLOCK_C']; required('AIRLOCK_D');",
      "problems.push('AIRLOCK_E must be set'); // env.AIRLOCK_F",
      '/** env.AIRLOCK_G */ const h = env.HOME;',
    ].join('\n');
    expect(sorted(settingsReadBySource([{ path: 'x.ts', text }]).keys())).toEqual(['AIRLOCK_A', 'AIRLOCK_B', 'AIRLOCK_C', 'AIRLOCK_D']);
  });

  it('only the Function App module sets app settings', async () => {
    const parser = await bicepParser();
    const withSettings = bicepFiles().filter((file) => findProperties(parser.parse(readRepoFile(file)).rootNode, 'appSettings').length > 0);
    expect(withSettings).toEqual([FUNCTION_APP_MODULE]);
  });

  it('the bicep app settings name every setting the code reads', () => {
    expect(minus(codeReads, bicepNames)).toEqual([]);
  });

  it('the bicep app settings name nothing the code never reads (nor local-host-only settings)', () => {
    const airlock = bicepNames.filter(isAirlockSetting);
    expect(minus(airlock, codeReads)).toEqual([]);
    const other = bicepNames.filter((name) => !isAirlockSetting(name) && !PLATFORM_SETTING.test(name));
    expect(other).toEqual([]);
  });

  it('the bicep app settings name each setting once', () => {
    expect(bicepNames.filter((name, i) => bicepNames.indexOf(name) !== i)).toEqual([]);
  });

  it('local.settings.sample.json names every setting the code reads', () => {
    expect(minus(codeReads, sampleValues)).toEqual([]);
  });

  it('local.settings.sample.json names nothing the code never reads', () => {
    const airlock = sampleValues.filter((name) => isAirlockSetting(name) || LOCAL_HOST_ONLY.includes(name));
    expect(minus(airlock, [...codeReads, ...LOCAL_HOST_ONLY])).toEqual([]);
  });
});
