/**
 * Bicep, parsed offline: no Bicep compiler can be installed here, so the tree-sitter grammar
 * (tree-sitter-bicep, WebAssembly build) run by web-tree-sitter gives a syntax tree. That is a syntax
 * check only: no types, no resource schemas, no ARM JSON.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import Parser from 'web-tree-sitter';

export const REPO_ROOT = join(__dirname, '..', '..');
export const BICEP_DIR = join(REPO_ROOT, 'bicep');

let parserPromise: Promise<Parser> | undefined;

/** One parser for the whole test file; web-tree-sitter's init loads its own wasm once. */
export function bicepParser(): Promise<Parser> {
  parserPromise ??= (async () => {
    await Parser.init();
    const language = await Parser.Language.load(require.resolve('tree-sitter-bicep/tree-sitter-bicep.wasm'));
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  })();
  return parserPromise;
}

/** Every .bicep file under bicep/, as paths relative to the repository root, sorted. */
export function bicepFiles(dir: string = BICEP_DIR): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...bicepFiles(path));
    else if (entry.isFile() && entry.name.endsWith('.bicep')) found.push(relative(REPO_ROOT, path));
  }
  return found.sort();
}

export function readRepoFile(path: string): string {
  return readFileSync(join(REPO_ROOT, path), 'utf8');
}

/** `file:line:col ERROR` / `file:line:col MISSING <type>` for every error or missing node, in order. */
export function syntaxProblems(tree: Parser.Tree, file: string): string[] {
  const problems: string[] = [];
  const visit = (node: Parser.SyntaxNode): void => {
    const at = `${file}:${node.startPosition.row + 1}:${node.startPosition.column + 1}`;
    if (node.isMissing) problems.push(`${at} MISSING ${node.type}`);
    else if (node.type === 'ERROR') problems.push(`${at} ERROR near '${node.text.slice(0, 40).replace(/\s+/g, ' ')}'`);
    for (const child of node.children) visit(child);
  };
  visit(tree.rootNode);
  return problems;
}

/** The identifier key of an object_property (`name: ...`), or undefined for a quoted key. */
export function propertyKey(property: Parser.SyntaxNode): string | undefined {
  const key = property.namedChildren[0];
  if (!key) return undefined;
  if (key.type === 'identifier') return key.text;
  if (key.type === 'string') return stringLiteral(key);
  return undefined;
}

/** The value node of an object_property: the last named child that is not a comment. */
export function propertyValue(property: Parser.SyntaxNode): Parser.SyntaxNode | undefined {
  const values = property.namedChildren.slice(1).filter((child) => child.type !== 'comment');
  return values[values.length - 1];
}

/** The text of a plain string literal ('...' with no interpolation), else undefined. */
export function stringLiteral(node: Parser.SyntaxNode): string | undefined {
  if (node.type !== 'string') return undefined;
  if (node.namedChildren.some((child) => child.type !== 'string_content' && child.type !== 'escape_sequence')) return undefined;
  return node.text.slice(1, -1);
}

/** Every object_property with this key, anywhere below `node`. */
export function findProperties(node: Parser.SyntaxNode, key: string): Parser.SyntaxNode[] {
  const found: Parser.SyntaxNode[] = [];
  const visit = (current: Parser.SyntaxNode): void => {
    if (current.type === 'object_property' && propertyKey(current) === key) found.push(current);
    for (const child of current.namedChildren) visit(child);
  };
  visit(node);
  return found;
}
