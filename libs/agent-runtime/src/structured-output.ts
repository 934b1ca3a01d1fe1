import { jsonSchemaCauses } from './validate-json';

export type StructuredOutput = { ok: true; value: unknown } | { ok: false; problems: string[] };

/** Parses a model's answer as JSON (tolerating a ```json fence) and checks it against `schema`. */
export function parseStructuredOutput(schema: Record<string, unknown>, text: string): StructuredOutput {
  const fenced = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/.exec(text);
  let value: unknown;
  try {
    value = JSON.parse(fenced ? fenced[1] : text);
  } catch (error) {
    return { ok: false, problems: [`not JSON (${(error as Error).message})`] };
  }
  const causes = jsonSchemaCauses(schema, value, 'output');
  if (causes.length > 0) return { ok: false, problems: causes.map((cause) => `${cause.field}: ${cause.message}`) };
  return { ok: true, value };
}
