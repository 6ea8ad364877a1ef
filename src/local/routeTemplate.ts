/**
 * Route templates of HTTP triggers, matched as the Functions host (ASP.NET Core routing) matches
 * them: literal segments compare case-insensitively, `{id}` takes one segment, `{id?}` and
 * `{id=default}` may be absent at the end, `{id:guid}` adds inline constraints and `{*rest}` takes
 * the remainder of the path. Templates the host would accept but this matcher cannot (several
 * parameters in one segment, regex constraints) are rejected when compiled, not silently mismatched.
 */

type Segment =
  | { kind: 'literal'; text: string }
  | { kind: 'parameter'; name: string; optional: boolean; defaultValue?: string; constraints: Constraint[] }
  | { kind: 'catchAll'; name: string };

type Constraint = (value: string) => boolean;

export interface RouteTemplate {
  readonly template: string;
  /** Per segment: 0 literal, 1 constrained parameter, 2 parameter, 3 optional, 4 catch-all. */
  readonly precedence: readonly number[];
  /** Route values by parameter name (percent-decoded), or undefined when the path does not match. */
  match(pathname: string): Record<string, string> | undefined;
}

const PARAMETER = /^\{(\*{1,2})?([A-Za-z_][A-Za-z0-9_]*)((?::[A-Za-z]+(?:\([^()]*\))?)*)(\?)?(?:=([^}]*))?\}$/;
const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;
const GUID = /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i;

export function compileRouteTemplate(template: string): RouteTemplate {
  const segments = splitPath(template.replace(/^~?\//, '')).map((raw) => parseSegment(raw, template));
  segments.forEach((segment, index) => {
    const isLast = index === segments.length - 1;
    if (segment.kind === 'catchAll' && !isLast) throw new Error(`route '${template}': a catch-all parameter must be the last segment`);
    if (segment.kind === 'parameter' && (segment.optional || segment.defaultValue !== undefined)) {
      const onlyOptionalFollow = segments
        .slice(index + 1)
        .every((next) => next.kind === 'catchAll' || (next.kind === 'parameter' && (next.optional || next.defaultValue !== undefined)));
      if (!onlyOptionalFollow) throw new Error(`route '${template}': an optional parameter can only be followed by optional parameters`);
    }
  });
  return { template, precedence: segments.map(segmentRank), match: (pathname) => matchSegments(segments, pathname) };
}

/**
 * Orders templates so the most specific wins when several match (literal before constrained
 * parameter before parameter before optional before catch-all), as ASP.NET's route precedence does.
 */
export function compareRoutePrecedence(a: RouteTemplate, b: RouteTemplate): number {
  for (let i = 0; i < Math.min(a.precedence.length, b.precedence.length); i++) {
    if (a.precedence[i] !== b.precedence[i]) return a.precedence[i] - b.precedence[i];
  }
  return b.precedence.length - a.precedence.length;
}

function segmentRank(segment: Segment): number {
  if (segment.kind === 'literal') return 0;
  if (segment.kind === 'catchAll') return 4;
  if (segment.optional || segment.defaultValue !== undefined) return 3;
  return segment.constraints.length > 0 ? 1 : 2;
}

function matchSegments(segments: Segment[], pathname: string): Record<string, string> | undefined {
  const parts = splitPath(pathname);
  const values: Record<string, string> = {};
  for (let index = 0; index < segments.length; index++) {
    const segment = segments[index];
    if (segment.kind === 'catchAll') {
      const rest = decodeAll(parts.slice(index));
      if (rest === undefined) return undefined;
      if (rest.length > 0) values[segment.name] = rest.join('/');
      return values;
    }
    const raw = parts[index];
    if (raw === undefined) {
      if (segment.kind === 'literal' || !(segment.optional || segment.defaultValue !== undefined)) return undefined;
      if (segment.defaultValue !== undefined) values[segment.name] = segment.defaultValue;
      continue;
    }
    const value = decode(raw);
    if (value === undefined) return undefined;
    if (segment.kind === 'literal') {
      if (value.toLowerCase() !== segment.text.toLowerCase()) return undefined;
      continue;
    }
    if (value === '' || !segment.constraints.every((constraint) => constraint(value))) return undefined;
    values[segment.name] = value;
  }
  return parts.length <= segments.length ? values : undefined;
}

function parseSegment(raw: string, template: string): Segment {
  if (!raw.includes('{') && !raw.includes('}')) return { kind: 'literal', text: raw };
  const match = PARAMETER.exec(raw);
  if (!match) throw new Error(`route '${template}': segment '${raw}' is not supported by the local host`);
  const [, star, name, constraintText, optionalMark, defaultValue] = match;
  if (star) return { kind: 'catchAll', name };
  const constraints = constraintText
    .split(':')
    .filter(Boolean)
    .map((spec) => parseConstraint(spec, template));
  return { kind: 'parameter', name, optional: optionalMark === '?', defaultValue, constraints };
}

function parseConstraint(spec: string, template: string): Constraint {
  const [, name, argumentText] = /^([A-Za-z]+)(?:\(([^()]*)\))?$/.exec(spec) ?? [];
  const numbers = (argumentText ?? '').split(',').map((part) => Number(part.trim()));
  switch (name?.toLowerCase()) {
    case 'int':
    case 'long':
      return (value) => INTEGER.test(value);
    case 'double':
    case 'decimal':
    case 'float':
      return (value) => DECIMAL.test(value);
    case 'bool':
      return (value) => /^(true|false)$/i.test(value);
    case 'guid':
      return (value) => GUID.test(value);
    case 'alpha':
      return (value) => /^[a-z]+$/i.test(value);
    case 'datetime':
      return (value) => !Number.isNaN(Date.parse(value));
    case 'minlength':
      return (value) => value.length >= numbers[0];
    case 'maxlength':
      return (value) => value.length <= numbers[0];
    case 'length':
      return numbers.length === 2 ? (value) => value.length >= numbers[0] && value.length <= numbers[1] : (value) => value.length === numbers[0];
    case 'min':
      return (value) => INTEGER.test(value) && Number(value) >= numbers[0];
    case 'max':
      return (value) => INTEGER.test(value) && Number(value) <= numbers[0];
    case 'range':
      return (value) => INTEGER.test(value) && Number(value) >= numbers[0] && Number(value) <= numbers[1];
    default:
      throw new Error(`route '${template}': constraint '${spec}' is not supported by the local host`);
  }
}

/** Path segments without the leading slash; a trailing slash adds no empty segment. */
function splitPath(path: string): string[] {
  const trimmed = path.replace(/^\/+/, '').replace(/\/+$/, '');
  return trimmed === '' ? [] : trimmed.split('/');
}

function decode(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

function decodeAll(raws: string[]): string[] | undefined {
  const decoded = raws.map(decode);
  return decoded.every((value): value is string => value !== undefined) ? decoded : undefined;
}
