/**
 * Route templates of HTTP triggers, matched as the Functions host (ASP.NET Core routing) matches
 * the shapes this app registers: literal segments compare case-insensitively and `{name}` takes one
 * non-empty segment. Any other shape (optional, default, constrained or catch-all parameters) is
 * refused when compiled, so a route the local host would serve differently from Azure fails at
 * start-up instead of mismatching quietly.
 */

type Segment = { kind: 'literal'; text: string } | { kind: 'parameter'; name: string };

export interface RouteTemplate {
  readonly template: string;
  /** Per segment: 0 literal, 1 parameter. */
  readonly precedence: readonly number[];
  /** Route values by parameter name (percent-decoded), or undefined when the path does not match. */
  match(pathname: string): Record<string, string> | undefined;
}

const PARAMETER = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

export function compileRouteTemplate(template: string): RouteTemplate {
  const segments = splitPath(template.replace(/^~?\//, '')).map((raw) => parseSegment(raw, template));
  return {
    template,
    precedence: segments.map((segment) => (segment.kind === 'literal' ? 0 : 1)),
    match: (pathname) => matchSegments(segments, pathname),
  };
}

/**
 * Orders templates so the most specific wins when several match: at the first segment where they
 * differ a literal beats a parameter, as ASP.NET's route precedence has it.
 */
export function compareRoutePrecedence(a: RouteTemplate, b: RouteTemplate): number {
  for (let i = 0; i < Math.min(a.precedence.length, b.precedence.length); i++) {
    if (a.precedence[i] !== b.precedence[i]) return a.precedence[i] - b.precedence[i];
  }
  return b.precedence.length - a.precedence.length;
}

function parseSegment(raw: string, template: string): Segment {
  if (!raw.includes('{') && !raw.includes('}')) return { kind: 'literal', text: raw.toLowerCase() };
  const parameter = PARAMETER.exec(raw);
  if (!parameter) throw new Error(`route '${template}': segment '${raw}' is not supported by the local host (only literals and {name})`);
  return { kind: 'parameter', name: parameter[1] };
}

function matchSegments(segments: Segment[], pathname: string): Record<string, string> | undefined {
  const parts = splitPath(pathname);
  if (parts.length !== segments.length) return undefined;
  const values: Record<string, string> = {};
  for (const [index, segment] of segments.entries()) {
    const value = decode(parts[index]);
    if (value === undefined || value === '') return undefined;
    if (segment.kind === 'literal') {
      if (value.toLowerCase() !== segment.text) return undefined;
    } else {
      values[segment.name] = value;
    }
  }
  return values;
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
