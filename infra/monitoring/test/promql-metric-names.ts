/** PromQL words that are not metric names: aggregations' and binary operators' keywords. */
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

/**
 * The metric names a PromQL expression selects: identifiers that are not functions (followed by
 * `(`), keywords, label names of matchers or grouping clauses, strings, durations or numbers.
 */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""') // strings ("{{status}}", label values)
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges and subqueries
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // grouping labels
    .replace(/\$\w+/g, ' '); // dashboard variables
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(?=\s*(\(?))/g)) {
    const [word, paren] = [match[0], match[1]];
    if (paren !== '(' && !KEYWORDS.has(word.toLowerCase())) names.add(word);
  }
  return [...names].sort();
}

/** The series a histogram or summary exports besides its own name. */
const SAMPLE_SUFFIXES = ['_bucket', '_sum', '_count'];

/** `name` as the metric that exports it: `x_bucket` is histogram `x`'s series. */
export function exportingMetric(name: string, registered: ReadonlySet<string>): string | undefined {
  if (registered.has(name)) return name;
  const suffix = SAMPLE_SUFFIXES.find((candidate) => name.endsWith(candidate));
  const base = suffix ? name.slice(0, -suffix.length) : undefined;
  return base && registered.has(base) ? base : undefined;
}
