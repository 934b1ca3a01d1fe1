/**
 * What a person may see of a key: its prefix up to the first dash and its last four characters
 * (`sk-…abcd`). Short keys show only their length, so that a hint never reveals most of a key.
 */
export function keyHint(key: string): string {
  const trimmed = key.trim();
  if (trimmed.length < 12) return `…(${trimmed.length} chars)`;
  const dash = trimmed.indexOf('-');
  const prefix = dash > 0 && dash <= 4 ? trimmed.slice(0, dash + 1) : '';
  return `${prefix}…${trimmed.slice(-4)}`;
}
