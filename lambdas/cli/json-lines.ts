/** JSON Lines files (https://jsonlines.org/) as the CLI reads them: the item files and the results files. */
import { readFileSync } from 'node:fs';
import { once } from 'node:events';

export const stripBom = (text: string) => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);

/**
 * The values of a file's non-blank lines, with their line numbers (from 1). A byte order mark is
 * skipped, at the start of the file or of a line. A line that is not JSON throws `notJson(n)`; with `lastMayBeTorn`, a last line without
 * its newline (a write cut short) is left out instead.
 */
export function readJsonLines(path: string, o: { notJson: (n: number) => string; lastMayBeTorn?: boolean }): { n: number; value: unknown }[] {
  const text = stripBom(readFileSync(path, 'utf8'));
  const lines = text.split('\n');
  const values: { n: number; value: unknown }[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    try {
      // A byte order mark at the start of any line: files joined with `cat`, one of them saved by an editor.
      values.push({ n: i + 1, value: JSON.parse(stripBom(line)) });
    } catch {
      if (o.lastMayBeTorn && i === lines.length - 1 && !text.endsWith('\n')) return;
      throw new Error(o.notJson(i + 1));
    }
  });
  return values;
}

/** Writes `value` as one line to standard output, waiting while the reader is behind (a pipe into `jq`, `less`). */
export async function writeJsonLine(value: unknown): Promise<void> {
  if (!process.stdout.write(`${JSON.stringify(value)}\n`)) await once(process.stdout, 'drain');
}
