/**
 * Metric names on both sides of the deploy/ files: those a /metrics scrape exports, and
 * those a PromQL expression (a Grafana query or an alert rule) reads. Enough PromQL to find
 * the names — strings, label matchers, ranges, label lists, Grafana variables, functions
 * and keywords are set aside — not a parser.
 *
 * @example
 * metricNamesIn('sum by (kernel) (rate(healing_success_total{kernel=~"$kernel"}[1h]))') // ["healing_success_total"]
 */

/** Every name a scrape can be queried by: each family's, a histogram's or summary's series, and every sample's. */
export function exportedMetricNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split("\n")) {
    const type = line.match(/^# TYPE (\S+) (\S+)/);
    if (type) {
      const [, name, kind] = type as unknown as [string, string, string];
      names.add(name);
      if (kind === "histogram") for (const suffix of ["_bucket", "_sum", "_count"]) names.add(name + suffix);
      if (kind === "summary") for (const suffix of ["_sum", "_count"]) names.add(name + suffix);
      continue;
    }
    const sample = line.match(/^([A-Za-z_:][\w:]*)[{ ]/);
    if (sample) names.add(sample[1] as string);
  }
  return names;
}

const KEYWORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "bool",
  "and",
  "or",
  "unless",
  "offset",
  "inf",
  "nan",
]);

/** The metric names an expression reads, each once, in order of appearance. */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\$\{[^}]*\}|\$\w+/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names: string[] = [];
  for (const match of stripped.matchAll(/[A-Za-z_:][\w:]*/g)) {
    const name = match[0];
    const before = stripped[match.index - 1] ?? "";
    const after = stripped.slice(match.index + name.length);
    // A digit or dot before it is a number's exponent or a duration's unit.
    if (/[\d.]/.test(before) || KEYWORDS.has(name.toLowerCase()) || /^\s*\(/.test(after)) continue;
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

/** The metric of a Grafana `label_values(metric, label)` variable query; null for any other query. */
export function labelValuesMetric(query: string): string | null {
  return query.match(/^\s*label_values\(\s*([A-Za-z_:][\w:]*)\s*(?:\{[^}]*\})?\s*,/)?.[1] ?? null;
}
