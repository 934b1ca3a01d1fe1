import { formatFieldPath, InvalidError, REDACTED_SECRET_VALUE, type FieldCause, type Resource } from '@kastra/api';

/** What Secret values look like in every answer: Kastra never returns them, not even encrypted. */
export { REDACTED_SECRET_VALUE };
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export interface ValueCipher {
  encrypt(plain: string): string;
  decrypt(stored: string): string;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Turns a Secret as sent (base64 `data`, clear `stringData`) into the stored form: every value
 * encrypted. A value sent back as `<redacted>` keeps the stored one (a client echoing what it read).
 */
export function sealSecret(input: Resource, previous: Resource | undefined, cipher: ValueCipher): Resource {
  const causes: FieldCause[] = [];
  const sealed: Record<string, string> = {};
  for (const [key, value] of Object.entries(input.data ?? {})) {
    const kept = previous?.data?.[key];
    if (kept && (value === REDACTED_SECRET_VALUE || sameSecretValue(cipher, kept, value))) {
      sealed[key] = kept; // unchanged: no new ciphertext, so re-applying the same Secret writes nothing
    } else if (value === REDACTED_SECRET_VALUE) {
      causes.push({ reason: 'FieldValueInvalid', field: formatFieldPath(['data', key]), message: `Invalid value: ${REDACTED_SECRET_VALUE} keeps a stored value, and this key has none` });
    } else if (typeof value !== 'string' || !BASE64.test(value)) {
      causes.push({ reason: 'FieldValueInvalid', field: formatFieldPath(['data', key]), message: 'Invalid value: must be base64-encoded' });
    } else {
      sealed[key] = cipher.encrypt(value);
    }
  }
  for (const [key, value] of Object.entries(input.stringData ?? {})) {
    if (typeof value !== 'string') {
      causes.push({ reason: 'FieldValueTypeInvalid', field: formatFieldPath(['stringData', key]), message: 'must be a string' });
    } else {
      const encoded = Buffer.from(value, 'utf8').toString('base64');
      const kept = previous?.data?.[key];
      sealed[key] = kept && sameSecretValue(cipher, kept, encoded) ? kept : cipher.encrypt(encoded);
    }
  }
  if (causes.length > 0) throw new InvalidError('Secret', input.metadata?.name ?? '', causes);
  const result: Resource = { ...input, data: sealed };
  delete result.stringData;
  const annotations = result.metadata.annotations;
  if (annotations?.[LAST_APPLIED]) {
    result.metadata = { ...result.metadata, annotations: { ...annotations, [LAST_APPLIED]: redactLastApplied(annotations[LAST_APPLIED]) } };
  }
  return result;
}

function sameSecretValue(cipher: ValueCipher, sealed: string, base64Value: string): boolean {
  try {
    return cipher.decrypt(sealed) === base64Value;
  } catch {
    return false;
  }
}

/** The object as any client sees it: values replaced by `<redacted>`. */
export function redactSecret(object: Resource): Resource {
  if (object.kind !== 'Secret' || !object.data) return object;
  return { ...object, data: Object.fromEntries(Object.keys(object.data).map((k) => [k, REDACTED_SECRET_VALUE])) };
}

/**
 * kubectl stores the whole manifest in an annotation: no value, not even `<redacted>`, stays in it.
 * The keys stay, each with null: kubectl's three-way merge takes only deletions from this
 * "original" (a key dropped from the file is removed); values always come from the file itself.
 */
function redactLastApplied(json: string): string {
  try {
    const manifest = JSON.parse(json) as Record<string, unknown>;
    for (const field of ['data', 'stringData']) {
      const values = manifest[field];
      if (values && typeof values === 'object' && !Array.isArray(values)) {
        manifest[field] = Object.fromEntries(Object.keys(values).map((key) => [key, null]));
      } else if (values !== undefined) {
        delete manifest[field];
      }
    }
    return JSON.stringify(manifest);
  } catch {
    return '{}';
  }
}
