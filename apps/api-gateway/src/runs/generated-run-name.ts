import { randomBytes } from 'node:crypto';

const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
/** Kubernetes generateName keeps room for the suffix within 63 characters. */
const MAX_BASE_LENGTH = 57;

/** `<base>-<5 random>` as Kubernetes' generateName would make it (a run named after its Workflow or Network). */
export function generatedRunName(base: string): string {
  const bytes = randomBytes(5);
  const suffix = [...bytes].map((b) => NAME_ALPHABET[b % NAME_ALPHABET.length]).join('');
  return `${base.slice(0, MAX_BASE_LENGTH).replace(/-+$/, '')}-${suffix}`;
}
