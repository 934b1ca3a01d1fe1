/** How a construct of the Mastra project came across. */
export type MigrationStatus = 'translated' | 'approximated' | 'not translated';

/** Where a construct is: a path relative to the project folder, and a 1-based line. */
export interface SourceLocation {
  file: string;
  line: number;
}

/** One line of the migration report. */
export interface MigrationEntry {
  status: MigrationStatus;
  /** What it is, e.g. `Tool get-weather` or `Agent weather-agent: memory`. */
  construct: string;
  at: SourceLocation;
  /** What became of it, and what to do by hand when it did not come across. */
  detail: string;
}

/** Everything `kastra migrate mastra` did, in source order: nothing it read goes unmentioned. */
export class MigrationReport {
  readonly entries: MigrationEntry[] = [];

  add(status: MigrationStatus, construct: string, at: SourceLocation, detail: string): void {
    this.entries.push({ status, construct, at, detail });
  }

  translated(construct: string, at: SourceLocation, detail: string): void {
    this.add('translated', construct, at, detail);
  }

  approximated(construct: string, at: SourceLocation, detail: string): void {
    this.add('approximated', construct, at, detail);
  }

  notTranslated(construct: string, at: SourceLocation, detail: string): void {
    this.add('not translated', construct, at, detail);
  }

  /** Entries by file, then line, then the order they were added. */
  sorted(): MigrationEntry[] {
    return this.entries
      .map((entry, index) => ({ entry, index }))
      .sort((a, b) => a.entry.at.file.localeCompare(b.entry.at.file) || a.entry.at.line - b.entry.at.line || a.index - b.index)
      .map(({ entry }) => entry);
  }

  count(status: MigrationStatus): number {
    return this.entries.filter((entry) => entry.status === status).length;
  }
}

export const formatLocation = (at: SourceLocation) => `${at.file}:${at.line}`;

/** One line per entry, for the terminal: `status  file:line  construct: detail`. */
export function formatReportLines(report: MigrationReport): string {
  const entries = report.sorted();
  const statusWidth = Math.max(0, ...entries.map((e) => e.status.length));
  const whereWidth = Math.max(0, ...entries.map((e) => formatLocation(e.at).length));
  return entries
    .map((e) => `${e.status.padEnd(statusWidth)}  ${formatLocation(e.at).padEnd(whereWidth)}  ${e.construct}: ${e.detail}\n`)
    .join('');
}

/** `MIGRATION-REPORT.md`: a summary, the files written, and the table of every entry. */
export function formatReportMarkdown(report: MigrationReport, summary: { source: string; files: number; written: string[] }): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [
    '# Migration report: Mastra to Kastra',
    '',
    `Source: \`${summary.source}\` (${summary.files} TypeScript/JavaScript files read, nothing executed).`,
    '',
    `${report.count('translated')} translated, ${report.count('approximated')} approximated, ${report.count('not translated')} not translated.`,
    '',
    'Written beside this report:',
    '',
    ...summary.written.map((file) => `- \`${file}\``),
    '',
    '| status | source | construct | what happened |',
    '|---|---|---|---|',
    ...report.sorted().map((e) => `| ${e.status} | \`${formatLocation(e.at)}\` | ${cell(e.construct)} | ${cell(e.detail)} |`),
    '',
  ];
  return lines.join('\n');
}
