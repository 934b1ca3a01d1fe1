const REDACTED = '[REDACTED]';

/**
 * `error` with every occurrence of the given credentials replaced in its message and in the
 * fields the AI SDK's APICallError carries from the response (`responseBody`, `data`): some
 * providers echo a rejected key in their error body. The error keeps its class and other
 * fields, so the AI SDK's retry decisions (`isRetryable`, status) are unchanged.
 */
export function scrubCredentials<T>(error: T, credentials: readonly string[]): T {
  const secrets = credentials.filter((credential) => credential.length > 0);
  if (secrets.length === 0 || typeof error !== 'object' || error === null) return error;
  const scrub = (text: string) => secrets.reduce((out, secret) => out.split(secret).join(REDACTED), text);
  const target = error as Record<string, unknown>;
  for (const field of ['message', 'responseBody']) {
    const value = target[field];
    if (typeof value === 'string' && secrets.some((secret) => value.includes(secret))) redefine(target, field, scrub(value));
  }
  if (target.data !== undefined) {
    const text = JSON.stringify(target.data);
    if (text !== undefined && secrets.some((secret) => text.includes(secret))) redefine(target, 'data', JSON.parse(scrub(text)));
  }
  if (typeof target.stack === 'string') redefine(target, 'stack', scrub(target.stack));
  return error;
}

function redefine(target: Record<string, unknown>, field: string, value: unknown): void {
  Object.defineProperty(target, field, { value, writable: true, configurable: true, enumerable: Object.prototype.propertyIsEnumerable.call(target, field) });
}
