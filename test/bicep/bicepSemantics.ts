/**
 * The checks `bicep build` would make across our own files, done on the tree-sitter syntax tree
 * because no Bicep compiler runs here: every name refers to a declaration in scope, every parameter
 * and variable is used, a module gets exactly the parameters its file declares (all required ones
 * included), `<module>.outputs.<name>` names an output the module declares, a child resource's
 * `parent` has the parent type, no output carries a @secure() parameter, and one resource type
 * uses one API version everywhere. Resource schemas (property names, enum values) are outside its
 * reach: those were reviewed against the ARM specifications (docs/deploy.md).
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type Parser from 'web-tree-sitter';
import { bicepFiles, bicepParser, propertyKey, propertyValue, readRepoFile, REPO_ROOT, stringLiteral } from './bicepParser';

type Node = Parser.SyntaxNode;

export interface ParamInfo {
  hasDefault: boolean;
  secure: boolean;
  allowed?: unknown[];
  line: number;
}

export interface ResourceInfo {
  type: string;
  apiVersion: string;
  existing: boolean;
  conditional: boolean;
  body: Node | undefined;
  line: number;
}

export interface ModuleInfo {
  path: string;
  conditional: boolean;
  body: Node | undefined;
  line: number;
}

export interface BicepFileModel {
  file: string;
  params: Map<string, ParamInfo>;
  variables: Map<string, { line: number }>;
  resources: Map<string, ResourceInfo>;
  modules: Map<string, ModuleInfo>;
  outputs: Map<string, { node: Node; line: number }>;
  /** Every parameter, variable, resource and module name in file order (a Map would hide a repeat). */
  symbols: { name: string; line: number }[];
  /** Identifiers used as values, with the local names (loop variables, lambda parameters) in scope there. */
  references: { name: string; node: Node; locals: ReadonlySet<string> }[];
}

/** Namespaces of the built-in functions (`az.resourceGroup()`, `sys.concat()`). */
const BUILTIN_NAMESPACES = new Set(['az', 'sys']);

const DECLARATIONS = new Set(['parameter_declaration', 'variable_declaration', 'resource_declaration', 'module_declaration', 'output_declaration']);

const lineOf = (node: Node): number => node.startPosition.row + 1;
const isConditional = (declaration: Node): boolean => named(declaration).some((child) => child.type === 'if_statement');
const named = (node: Node): Node[] => node.namedChildren.filter((child) => child.type !== 'comment');

/** The object a resource or module declaration assigns: directly, under `if (...)` or as a loop body. */
function declarationBody(declaration: Node): Node | undefined {
  const value = named(declaration)[named(declaration).length - 1];
  if (!value) return undefined;
  if (value.type === 'object') return value;
  if (value.type === 'if_statement' || value.type === 'for_statement') {
    const body = named(value)[named(value).length - 1];
    if (body?.type === 'object') return body;
    if (body?.type === 'if_statement') return declarationBody(value);
  }
  return undefined;
}

/** The value of `key` in an object literal, or undefined. */
export function objectValue(object: Node | undefined, key: string): Node | undefined {
  if (!object || object.type !== 'object') return undefined;
  const property = named(object).find((child) => child.type === 'object_property' && propertyKey(child) === key);
  return property && propertyValue(property);
}

/** A JSON-like value of a literal (strings, numbers, booleans, arrays of them), or undefined. */
function literalValue(node: Node): unknown {
  if (node.type === 'string') return stringLiteral(node);
  if (node.type === 'number') return Number(node.text);
  if (node.type === 'boolean') return node.text === 'true';
  if (node.type === 'array') return named(node).map(literalValue);
  return undefined;
}

function decoratorsOf(declaration: Node): { name: string; args: Node[] }[] {
  const previous = declaration.previousNamedSibling;
  if (previous?.type !== 'decorators') return [];
  return named(previous)
    .map((decorator) => named(decorator)[0])
    .filter((call): call is Node => call?.type === 'call_expression')
    .map((call) => {
      const args = call.childForFieldName('arguments');
      return { name: call.childForFieldName('function')?.text ?? '', args: args ? named(args) : [] };
    });
}

/** The local names a for loop or lambda introduces, and the sub-trees where they are in scope. */
function localsIntroducedBy(node: Node): { head: Node; names: string[]; scope: Node[] } | undefined {
  if (node.type === 'for_statement') {
    const [head, , ...rest] = named(node);
    if (!head) return undefined;
    const names = head.type === 'for_loop_parameters' ? named(head).map((n) => n.text) : [head.text];
    return { head, names, scope: rest };
  }
  if (node.type === 'lambda_expression') {
    const [head, ...body] = named(node);
    if (!head) return undefined;
    const names = head.type === 'parenthesized_expression' ? named(head).map((n) => n.text) : [head.text];
    return { head, names, scope: body };
  }
  return undefined;
}

/** Whether this identifier names something rather than using a value. */
function isDeclarationOrKey(identifier: Node): boolean {
  const parent = identifier.parent;
  if (!parent) return true;
  if (DECLARATIONS.has(parent.type) && named(parent)[0]?.id === identifier.id) return true;
  if (parent.type === 'object_property' && named(parent)[0]?.id === identifier.id) return true;
  if (parent.type === 'call_expression' && parent.childForFieldName('function')?.id === identifier.id) return true;
  if (parent.type === 'member_expression' && parent.childForFieldName('object')?.id === identifier.id) {
    const grand = parent.parent;
    if (BUILTIN_NAMESPACES.has(identifier.text) && grand?.type === 'call_expression' && grand.childForFieldName('function')?.id === parent.id) return true;
  }
  return false;
}

export function modelOf(root: Node, file: string): BicepFileModel {
  const model: BicepFileModel = {
    file,
    params: new Map(),
    variables: new Map(),
    resources: new Map(),
    modules: new Map(),
    outputs: new Map(),
    symbols: [],
    references: [],
  };
  for (const declaration of named(root)) {
    const name = named(declaration)[0]?.text ?? '';
    const line = lineOf(declaration);
    if (DECLARATIONS.has(declaration.type) && declaration.type !== 'output_declaration') model.symbols.push({ name, line });
    switch (declaration.type) {
      case 'parameter_declaration': {
        const decorators = decoratorsOf(declaration);
        const allowed = decorators.find((d) => d.name === 'allowed')?.args[0];
        model.params.set(name, {
          hasDefault: named(declaration).length > 2,
          secure: decorators.some((d) => d.name === 'secure'),
          allowed: allowed ? (literalValue(allowed) as unknown[]) : undefined,
          line,
        });
        break;
      }
      case 'variable_declaration':
        model.variables.set(name, { line });
        break;
      case 'resource_declaration': {
        const typeString = stringLiteral(named(declaration)[1]) ?? '';
        const [type, apiVersion = ''] = typeString.split('@');
        const existing = declaration.children.some((child) => !child.isNamed && child.type === 'existing');
        model.resources.set(name, { type, apiVersion, existing, conditional: isConditional(declaration), body: declarationBody(declaration), line });
        break;
      }
      case 'module_declaration':
        model.modules.set(name, { path: stringLiteral(named(declaration)[1]) ?? '', conditional: isConditional(declaration), body: declarationBody(declaration), line });
        break;
      case 'output_declaration':
        model.outputs.set(name, { node: declaration, line });
        break;
    }
  }
  const visit = (node: Node, locals: ReadonlySet<string>): void => {
    const introduced = localsIntroducedBy(node);
    if (introduced) {
      const inner = new Set([...locals, ...introduced.names]);
      for (const child of named(node)) {
        if (child.id !== introduced.head.id) visit(child, introduced.scope.some((s) => s.id === child.id) ? inner : locals);
      }
      return;
    }
    if (node.type === 'identifier' && !isDeclarationOrKey(node)) model.references.push({ name: node.text, node, locals });
    for (const child of named(node)) visit(child, locals);
  };
  visit(root, new Set());
  return model;
}

/** The member expression that reads a property of a symbol (`x.outputs`, `x[i].outputs`), if any. */
function memberRead(symbol: Node): Node | undefined {
  let holder = symbol.parent;
  if (holder?.type === 'subscript_expression' && holder.childForFieldName('object')?.id === symbol.id) holder = holder.parent;
  return holder?.type === 'member_expression' ? holder : undefined;
}

/** The model of every .bicep file under bicep/, by repository path. */
export async function bicepModels(): Promise<Map<string, BicepFileModel>> {
  const parser = await bicepParser();
  return new Map(bicepFiles().map((file) => [file, modelOf(parser.parse(readRepoFile(file)).rootNode, file)]));
}

const declared = (model: BicepFileModel, name: string): boolean =>
  model.params.has(name) || model.variables.has(name) || model.resources.has(name) || model.modules.has(name);

/** `file:line message` for each problem inside one file. */
export function fileProblems(model: BicepFileModel): string[] {
  const problems: string[] = [];
  const at = (line: number, message: string) => problems.push(`${model.file}:${line} ${message}`);

  const seen = new Map<string, number>();
  for (const { name, line } of model.symbols) {
    if (seen.has(name)) at(line, `'${name}' is declared twice (also line ${seen.get(name)})`);
    else seen.set(name, line);
  }

  const used = new Set<string>();
  for (const reference of model.references) {
    if (reference.locals.has(reference.name)) continue;
    used.add(reference.name);
    if (!declared(model, reference.name)) at(lineOf(reference.node), `'${reference.name}' is not declared`);
  }
  for (const [name, { line }] of model.params) if (!used.has(name)) at(line, `parameter '${name}' is never used`);
  for (const [name, { line }] of model.variables) if (!used.has(name)) at(line, `variable '${name}' is never used`);

  for (const [name, resource] of model.resources) {
    if (!/^[A-Za-z]+\.[A-Za-z.]+(\/[A-Za-z]+)+$/.test(resource.type) || !/^\d{4}-\d{2}-\d{2}(-preview)?$/.test(resource.apiVersion)) {
      at(resource.line, `resource '${name}' has a malformed type '${resource.type}@${resource.apiVersion}'`);
    }
    const parentValue = objectValue(resource.body, 'parent');
    if (parentValue) {
      const parent = model.resources.get(parentValue.text);
      if (!parent) at(lineOf(parentValue), `resource '${name}': parent '${parentValue.text}' is not a resource of this file`);
      else if (!(resource.type.startsWith(`${parent.type}/`) && resource.type.split('/').length === parent.type.split('/').length + 1)) {
        at(lineOf(parentValue), `resource '${name}' (${resource.type}) cannot have parent '${parentValue.text}' (${parent.type})`);
      }
    }
  }

  // ARM evaluates the parameters, scope and outputs of what a false condition skips: reading the
  // outputs of a conditional module (or the properties of a conditional resource) needs a ternary.
  for (const reference of model.references) {
    if (reference.locals.has(reference.name)) continue;
    const runtimeMember = model.modules.get(reference.name)?.conditional ? 'outputs' : model.resources.get(reference.name)?.conditional ? 'properties' : undefined;
    if (!runtimeMember) continue;
    const holder = memberRead(reference.node);
    if (holder?.childForFieldName('property')?.text !== runtimeMember) continue;
    let ancestor: Node | null = holder;
    while (ancestor && ancestor.type !== 'ternary_expression') ancestor = ancestor.parent;
    if (!ancestor) at(lineOf(reference.node), `'${reference.name}' is conditional: read its ${runtimeMember} only inside a ternary on its condition`);
  }

  for (const [name, output] of model.outputs) {
    const secrets = model.references.filter(
      (r) => r.node.startIndex >= output.node.startIndex && r.node.endIndex <= output.node.endIndex && model.params.get(r.name)?.secure,
    );
    for (const secret of secrets) at(output.line, `output '${name}' exposes the @secure() parameter '${secret.name}'`);
  }
  return problems;
}

/** Module path relative to the repository root, as a module declaration in `file` names it. */
export function modulePath(file: string, path: string): string {
  return relative(REPO_ROOT, join(REPO_ROOT, dirname(file), path));
}

/** `file:line message` for each module use whose parameters or outputs do not match the module file. */
export function moduleProblems(model: BicepFileModel, load: (file: string) => BicepFileModel | undefined): string[] {
  const problems: string[] = [];
  const at = (line: number, message: string) => problems.push(`${model.file}:${line} ${message}`);
  const targets = new Map<string, BicepFileModel>();

  for (const [name, module] of model.modules) {
    const path = modulePath(model.file, module.path);
    const target = existsSync(join(REPO_ROOT, path)) ? load(path) : undefined;
    if (!target) {
      at(module.line, `module '${name}': ${path} does not exist`);
      continue;
    }
    targets.set(name, target);
    const params = objectValue(module.body, 'params');
    const given = params ? named(params).filter((p) => p.type === 'object_property').map((p) => [propertyKey(p) ?? '', lineOf(p)] as const) : [];
    for (const [key, line] of given) if (!target.params.has(key)) at(line, `module '${name}': ${path} has no parameter '${key}'`);
    const givenKeys = new Set(given.map(([key]) => key));
    for (const [param, info] of target.params) {
      if (!info.hasDefault && !givenKeys.has(param)) at(module.line, `module '${name}': required parameter '${param}' of ${path} is not given`);
    }
  }

  for (const reference of model.references) {
    const target = targets.get(reference.name);
    if (!target || reference.locals.has(reference.name)) continue;
    const holder = memberRead(reference.node);
    if (holder?.childForFieldName('property')?.text !== 'outputs') continue;
    const outer = holder.parent;
    const output = outer?.type === 'member_expression' ? outer.childForFieldName('property')?.text : undefined;
    if (output && !target.outputs.has(output)) at(lineOf(reference.node), `module '${reference.name}': ${target.file} has no output '${output}'`);
  }
  return problems;
}

/** Resource types declared with more than one API version across the files: `type: v1 (file), v2 (file)`. */
export function apiVersionDrift(models: BicepFileModel[]): string[] {
  const versions = new Map<string, Map<string, string[]>>();
  for (const model of models) {
    for (const resource of model.resources.values()) {
      const byVersion = versions.get(resource.type) ?? new Map<string, string[]>();
      byVersion.set(resource.apiVersion, [...(byVersion.get(resource.apiVersion) ?? []), `${model.file}:${resource.line}`]);
      versions.set(resource.type, byVersion);
    }
  }
  return [...versions]
    .filter(([, byVersion]) => byVersion.size > 1)
    .map(([type, byVersion]) => `${type}: ${[...byVersion].map(([version, where]) => `${version} (${where.join(', ')})`).join(', ')}`);
}

/**
 * A parameters file against its template: every parameter it sets is declared, every required one
 * is set, and literal values respect @allowed.
 */
export function parameterFileProblems(file: string, parameters: Record<string, { value?: unknown; reference?: unknown }>, template: BicepFileModel): string[] {
  const problems: string[] = [];
  for (const [name, entry] of Object.entries(parameters)) {
    const param = template.params.get(name);
    if (!param) {
      problems.push(`${file}: '${name}' is not a parameter of ${template.file}`);
      continue;
    }
    if (param.allowed && 'value' in entry && !param.allowed.some((allowed) => JSON.stringify(allowed) === JSON.stringify(entry.value))) {
      problems.push(`${file}: '${name}' = ${JSON.stringify(entry.value)} is not one of ${JSON.stringify(param.allowed)}`);
    }
  }
  for (const [name, param] of template.params) {
    if (!param.hasDefault && !(name in parameters)) problems.push(`${file}: required parameter '${name}' of ${template.file} is missing`);
  }
  return problems;
}
