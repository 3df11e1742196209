/**
 * The one output helper: aligned tables for people, `--format json` for scripts. Data goes to
 * stdout; progress and summaries to stderr so pipes carry only data.
 */
export const outputFormats = ['table', 'json'] as const;
export type OutputFormat = (typeof outputFormats)[number];

export interface TextSink {
  write(text: string): unknown;
}

export type Row = Readonly<Record<string, string | number | boolean | null | readonly number[]>>;

export interface Column {
  key: string;
  title: string;
}

/** Rows as a table (header, then one line per row) or as one JSON array. */
export function printRows(
  out: TextSink, format: OutputFormat, columns: readonly Column[], rows: readonly Row[],
): void {
  if (format === 'json') {
    out.write(`${JSON.stringify(rows)}\n`);
    return;
  }
  out.write(formatTable(columns, rows));
}

/** A JSON document, or key: value lines for a single record. */
export function printRecord(
  out: TextSink, format: OutputFormat, record: Readonly<Record<string, unknown>>,
): void {
  if (format === 'json') {
    out.write(`${JSON.stringify(record)}\n`);
    return;
  }
  const width = Math.max(0, ...Object.keys(record).map((k) => k.length));
  for (const [key, value] of Object.entries(record)) {
    out.write(`${`${key}:`.padEnd(width + 2)}${cell(value)}\n`);
  }
}

export function formatTable(columns: readonly Column[], rows: readonly Row[]): string {
  const cells = rows.map((row) => columns.map((c) => cell(row[c.key])));
  const widths = columns.map((c, i) =>
    Math.max(c.title.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (values: readonly string[]): string =>
    `${values.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ').trimEnd()}\n`;
  return line(columns.map((c) => c.title)) + cells.map(line).join('');
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (Array.isArray(value)) return value.join(',');
  return String(value);
}
