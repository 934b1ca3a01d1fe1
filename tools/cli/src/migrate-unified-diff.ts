/** Lines of context around each change, as `diff -u` shows them. */
const CONTEXT = 3;

type Operation = { type: ' ' | '-' | '+'; line: Line; oldNumber: number; newNumber: number };

/**
 * A unified diff of two texts (`--- a`, `+++ b`, `@@` hunks with 3 lines of context), as
 * `diff -u` and `git apply` read it; empty when they are the same. Line by line: the longest
 * common subsequence of lines, after the common head and tail are set aside.
 */
export function unifiedDiff(before: string, after: string, oldName: string, newName: string): string {
  if (before === after) return '';
  const a = splitLines(before);
  const b = splitLines(after);
  const operations = diffLines(a, b);
  const hunks: string[] = [];
  let i = 0;
  while (i < operations.length) {
    if (operations[i].type === ' ') {
      i++;
      continue;
    }
    // A hunk: from CONTEXT lines before this change to CONTEXT lines after the last change
    // that is no more than 2 * CONTEXT unchanged lines away from the one before it.
    const start = Math.max(0, i - CONTEXT);
    let end = i;
    for (let j = i; j < operations.length; j++) {
      if (operations[j].type !== ' ') end = j;
      else if (j - end > 2 * CONTEXT) break;
    }
    const stop = Math.min(operations.length, end + CONTEXT + 1);
    const slice = operations.slice(start, stop);
    const oldLines = slice.filter((op) => op.type !== '+');
    const newLines = slice.filter((op) => op.type !== '-');
    const oldStart = oldLines.length > 0 ? oldLines[0].oldNumber : startBefore(operations, start, 'old');
    const newStart = newLines.length > 0 ? newLines[0].newNumber : startBefore(operations, start, 'new');
    hunks.push(`@@ -${range(oldStart, oldLines.length)} +${range(newStart, newLines.length)} @@\n`);
    for (const op of slice) hunks.push(`${op.type}${op.line.text}\n${op.line.newline ? '' : '\\ No newline at end of file\n'}`);
    i = stop;
  }
  return `--- ${oldName}\n+++ ${newName}\n${hunks.join('')}`;
}

interface Line {
  text: string;
  /** False for a last line without a newline. */
  newline: boolean;
}

function splitLines(text: string): Line[] {
  if (text === '') return [];
  const parts = text.split('\n');
  const last = parts.pop()!;
  const lines = parts.map((part) => ({ text: part, newline: true }));
  if (last !== '') lines.push({ text: last, newline: false });
  return lines;
}

function diffLines(a: Line[], b: Line[]): Operation[] {
  const same = (x: Line, y: Line) => x.text === y.text && x.newline === y.newline;
  let head = 0;
  while (head < a.length && head < b.length && same(a[head], b[head])) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && same(a[a.length - 1 - tail], b[b.length - 1 - tail])) tail++;
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  // lengths[i][j]: the longest common subsequence of midA[i..] and midB[j..].
  const lengths = Array.from({ length: midA.length + 1 }, () => new Uint32Array(midB.length + 1));
  for (let x = midA.length - 1; x >= 0; x--) {
    for (let y = midB.length - 1; y >= 0; y--) {
      lengths[x][y] = same(midA[x], midB[y]) ? lengths[x + 1][y + 1] + 1 : Math.max(lengths[x + 1][y], lengths[x][y + 1]);
    }
  }
  const operations: Operation[] = [];
  let oldNumber = 1;
  let newNumber = 1;
  const push = (type: Operation['type'], line: Line) => {
    operations.push({ type, line, oldNumber, newNumber });
    if (type !== '+') oldNumber++;
    if (type !== '-') newNumber++;
  };
  for (let k = 0; k < head; k++) push(' ', a[k]);
  let x = 0;
  let y = 0;
  while (x < midA.length || y < midB.length) {
    if (x < midA.length && y < midB.length && same(midA[x], midB[y])) {
      push(' ', midA[x++]);
      y++;
    } else if (x < midA.length && (y === midB.length || lengths[x + 1][y] >= lengths[x][y + 1])) {
      push('-', midA[x++]);
    } else {
      push('+', midB[y++]);
    }
  }
  for (let k = a.length - tail; k < a.length; k++) push(' ', a[k]);
  return operations;
}

/** The line number a hunk with no lines on one side starts after (as `diff -u` writes `-3,0`). */
function startBefore(operations: Operation[], index: number, side: 'old' | 'new'): number {
  const op = operations[index];
  return (side === 'old' ? op.oldNumber : op.newNumber) - 1;
}

function range(start: number, count: number): string {
  return count === 1 ? `${start}` : `${start},${count}`;
}
