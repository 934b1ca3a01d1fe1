/**
 * The JSONPath subset `kubectl` printer columns use: `.a.b`, `.a[0]`, `.a[-1]`, `.a[*].b`, `.a.*`,
 * `['key.with.dots']` and filters `[?(@.type=="Ready")]` (==, != on @-relative paths, or `[?(@.x)]`
 * for presence). An optional `{...}` wrapper, as in `kubectl -o jsonpath`, is accepted.
 */

type Step =
  | { type: 'field'; name: string }
  | { type: 'index'; index: number }
  | { type: 'wildcard' }
  | { type: 'filter'; path: string[]; op?: '==' | '!='; value?: unknown };

/** A path Kastra cannot evaluate. */
export class JsonPathSyntaxError extends Error {
  override readonly name = 'JsonPathSyntaxError';
  constructor(readonly path: string, readonly problem: string) {
    super(`invalid JSONPath ${JSON.stringify(path)}: ${problem}`);
  }
}

const FIELD = /^[A-Za-z_$][A-Za-z0-9_$-]*/;
const FILTER = /^\?\(@((?:\.[A-Za-z_$][A-Za-z0-9_$-]*)+)\s*(?:(==|!=)\s*("(?:[^"\\]|\\.)*"|'[^']*'|-?[0-9.]+|true|false|null))?\s*\)$/;

const cache = new Map<string, Step[]>();

function parse(path: string): Step[] {
  const cached = cache.get(path);
  if (cached) return cached;
  let rest = path.trim();
  if (rest.startsWith('{') && rest.endsWith('}')) rest = rest.slice(1, -1).trim();
  if (rest.startsWith('$')) rest = rest.slice(1);
  const steps: Step[] = [];
  while (rest.length > 0) {
    if (rest.startsWith('.*')) {
      steps.push({ type: 'wildcard' });
      rest = rest.slice(2);
    } else if (rest.startsWith('.')) {
      const match = FIELD.exec(rest.slice(1));
      if (!match) throw new JsonPathSyntaxError(path, `expected a field name at ${JSON.stringify(rest)}`);
      steps.push({ type: 'field', name: match[0] });
      rest = rest.slice(1 + match[0].length);
    } else if (rest.startsWith('[')) {
      const end = closingBracket(rest);
      if (end < 0) throw new JsonPathSyntaxError(path, 'unclosed [');
      steps.push(parseBracket(path, rest.slice(1, end).trim()));
      rest = rest.slice(end + 1);
    } else {
      throw new JsonPathSyntaxError(path, `unexpected ${JSON.stringify(rest)}`);
    }
  }
  cache.set(path, steps);
  return steps;
}

/** Index of the `]` closing the `[` at 0, skipping quoted strings. */
function closingBracket(text: string): number {
  let quote: string | undefined;
  for (let i = 1; i < text.length; i++) {
    const char = text[i];
    if (quote) {
      if (char === '\\') i++;
      else if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === ']') return i;
  }
  return -1;
}

function parseBracket(path: string, inner: string): Step {
  if (inner === '*') return { type: 'wildcard' };
  if (/^-?[0-9]+$/.test(inner)) return { type: 'index', index: Number(inner) };
  if (/^'[^']*'$/.test(inner)) return { type: 'field', name: inner.slice(1, -1) };
  if (/^"(?:[^"\\]|\\.)*"$/.test(inner)) return { type: 'field', name: JSON.parse(inner) as string };
  const filter = FILTER.exec(inner);
  if (!filter) throw new JsonPathSyntaxError(path, `unsupported selector [${inner}]`);
  const [, fieldPath, op, literal] = filter;
  const step: Step = { type: 'filter', path: fieldPath.slice(1).split('.') };
  if (op) {
    step.op = op as '==' | '!=';
    step.value = literal.startsWith("'") ? literal.slice(1, -1) : JSON.parse(literal);
  }
  return step;
}

function children(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'object' && value !== null) return Object.values(value);
  return [];
}

function apply(step: Step, value: unknown): unknown[] {
  switch (step.type) {
    case 'field':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
      return step.name in value ? [(value as Record<string, unknown>)[step.name]] : [];
    case 'index': {
      if (!Array.isArray(value)) return [];
      const index = step.index < 0 ? value.length + step.index : step.index;
      return index >= 0 && index < value.length ? [value[index]] : [];
    }
    case 'wildcard':
      return children(value);
    case 'filter':
      return children(value).filter((item) => {
        let current: unknown = item;
        for (const name of step.path) {
          current = typeof current === 'object' && current !== null ? (current as Record<string, unknown>)[name] : undefined;
        }
        if (!step.op) return current !== undefined && current !== null && current !== false;
        return step.op === '==' ? current === step.value : current !== step.value;
      });
  }
}

/** Every value the path selects (missing fields select nothing). Throws JsonPathSyntaxError. */
export function queryJsonPath(object: unknown, path: string): unknown[] {
  let values: unknown[] = [object];
  for (const step of parse(path)) values = values.flatMap((value) => apply(step, value));
  return values.filter((value) => value !== undefined);
}

/**
 * The text of a table cell: selected values joined with ',' (objects as JSON), '' when nothing
 * is selected (kubectl shows `<none>`).
 */
export function evaluateJsonPath(object: unknown, path: string): string {
  return queryJsonPath(object, path)
    .map((value) => (typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)))
    .join(',');
}
