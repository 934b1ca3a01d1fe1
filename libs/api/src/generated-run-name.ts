import { randomInt } from 'node:crypto';

const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const SUFFIX_LENGTH = 5;
/** Kubernetes generateName keeps room for the suffix within 63 characters. */
const MAX_BASE_LENGTH = 57;

/**
 * `<base>-<5 random>` as Kubernetes' generateName would make it (a run named after its Workflow or
 * Network). Each character is uniform over the 27 letters (27^5 ≈ 14.3 million names), so among n
 * runs of one base two share a name with a chance of about n²/28.7 million: ~4 % for 1,100 runs.
 * The caller therefore retries a taken name (create-generated-run.ts), as the apiserver does.
 */
export function generatedRunName(base: string): string {
  let suffix = '';
  for (let i = 0; i < SUFFIX_LENGTH; i++) suffix += NAME_ALPHABET[randomInt(NAME_ALPHABET.length)];
  return `${base.slice(0, MAX_BASE_LENGTH).replace(/-+$/, '')}-${suffix}`;
}
