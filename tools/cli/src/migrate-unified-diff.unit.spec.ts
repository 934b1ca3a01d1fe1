import { unifiedDiff } from './migrate-unified-diff';

/** Applies a unified diff to `text` (the hunks in order, context checked), as `patch` would. */
function applyDiff(text: string, diff: string): string {
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const out: string[] = [];
  let at = 0;
  const body = diff.split('\n').slice(2);
  let noNewlineAtEnd = !text.endsWith('\n') && text !== '';
  for (let i = 0; i < body.length; i++) {
    const line = body[i];
    const hunk = /^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@$/.exec(line);
    if (hunk) {
      const start = Number(hunk[1]) - (hunk[2] === '0' ? 0 : 1);
      while (at < start) out.push(lines[at++]);
      continue;
    }
    if (line === '\\ No newline at end of file') {
      noNewlineAtEnd = body[i - 1].startsWith('+') || (body[i - 1].startsWith(' ') && noNewlineAtEnd);
      continue;
    }
    if (line.startsWith(' ') || line.startsWith('-')) {
      if (lines[at] !== line.slice(1)) throw new Error(`context mismatch at ${at + 1}: ${JSON.stringify(lines[at])} vs ${JSON.stringify(line)}`);
      if (line.startsWith(' ')) out.push(lines[at]);
      at++;
    } else if (line.startsWith('+')) out.push(line.slice(1));
  }
  while (at < lines.length) out.push(lines[at++]);
  if (body.some((l) => l.startsWith('+')) && !body.includes('\\ No newline at end of file')) noNewlineAtEnd = false;
  return out.join('\n') + (out.length > 0 && !noNewlineAtEnd ? '\n' : '');
}

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n', 'a', 'b')).toBe('');
  });

  it('shows a changed line with three lines of context and diff -u headers', () => {
    const before = ['1', '2', '3', '4', 'apiVersion: mastra.ai/v1alpha1', '6', '7', '8', '9'].join('\n') + '\n';
    const after = before.replace('v1alpha1', 'v1');
    expect(unifiedDiff(before, after, 'a/m.yaml', 'b/m.yaml')).toBe(
      ['--- a/m.yaml', '+++ b/m.yaml', '@@ -2,7 +2,7 @@', ' 2', ' 3', ' 4', '-apiVersion: mastra.ai/v1alpha1', '+apiVersion: mastra.ai/v1', ' 6', ' 7', ' 8', ''].join('\n'),
    );
  });

  it('splits changes far apart into hunks and joins near ones', () => {
    const before = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
    const after = before.replace('line 2\n', 'LINE 2\n').replace('line 6\n', 'LINE 6\n').replace('line 25\n', 'LINE 25\n');
    const diff = unifiedDiff(before, after, 'a', 'b');
    expect(diff.match(/^@@.*@@$/gm)).toEqual(['@@ -1,9 +1,9 @@', '@@ -22,7 +22,7 @@']);
    expect(applyDiff(before, diff)).toBe(after);
  });

  it('appended documents and a missing final newline come out as diff -u writes them', () => {
    const before = 'a: 1\nb: 2';
    const after = 'a: 1\nb: 2\n---\nc: 3\n';
    const diff = unifiedDiff(before, after, 'a', 'b');
    expect(diff).toBe(['--- a', '+++ b', '@@ -1,2 +1,4 @@', ' a: 1', '-b: 2', '\\ No newline at end of file', '+b: 2', '+---', '+c: 3', ''].join('\n'));
  });

  it('round-trips through a patch for many edits', () => {
    const before = Array.from({ length: 60 }, (_, i) => `k${i}: ${i % 7}`).join('\n') + '\n';
    const after = before
      .split('\n')
      .filter((_, i) => i % 11 !== 3)
      .map((l, i) => (i % 9 === 0 ? `${l} # changed` : l))
      .concat(['extra: 1', ''])
      .join('\n');
    expect(applyDiff(before, unifiedDiff(before, after, 'a', 'b'))).toBe(after);
  });
});
