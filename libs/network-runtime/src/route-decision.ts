/** The router's answer when the task is finished (no member may be called so). */
export const ROUTE_DONE = 'done';

/** The name of the JSON schema the router answers with (`response_format.json_schema.name`). */
export const ROUTE_SCHEMA_NAME = 'route';

/** One decision of the router: the next member (or `done`), what it should do, why, and the final answer. */
export interface RouteDecision {
  next: string;
  input: string;
  reason: string;
  /** The final answer when `next` is `done`; empty otherwise. */
  answer: string;
}

/**
 * The JSON schema of a decision: `next` is one of the member names or `done`. Strict-mode
 * compatible (every property required, no additional ones), and `next` lists its `enum` before
 * anything with braces, so a schema pasted into a prompt is still recognisable as a routing one.
 */
export function routeSchema(members: readonly string[]): Record<string, unknown> {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['next', 'input', 'reason', 'answer'],
    properties: {
      next: { type: 'string', enum: [...members, ROUTE_DONE], description: `The member that works next, or "${ROUTE_DONE}" when the task is finished.` },
      input: { type: 'string', description: 'What that member should do (empty when done).' },
      reason: { type: 'string', description: 'Why this member (or why the task is finished).' },
      answer: { type: 'string', description: `The final answer to the task when next is "${ROUTE_DONE}"; empty otherwise.` },
    },
  };
}

/** What is wrong with a router answer: not a decision at all, or a decision naming no member. */
export type DecisionProblem = { kind: 'unparsable'; message: string } | { kind: 'unknown_member'; member: string; message: string };

/**
 * Reads a router answer: one JSON object (a fenced ```json block and text around the object are
 * tolerated, since prompt-only providers add them) with a string `next`; `input`, `reason` and
 * `answer` default to empty. `next` must be a member or `done`.
 */
export function parseRouteDecision(text: string, members: readonly string[]): { decision: RouteDecision } | { problem: DecisionProblem } {
  const value = parseJsonObject(text);
  if (!value) return { problem: { kind: 'unparsable', message: 'the answer is not a JSON object' } };
  if (typeof value.next !== 'string' || value.next.trim() === '') {
    return { problem: { kind: 'unparsable', message: 'the answer has no "next" string' } };
  }
  for (const field of ['input', 'reason', 'answer'] as const) {
    if (value[field] !== undefined && value[field] !== null && typeof value[field] !== 'string') {
      return { problem: { kind: 'unparsable', message: `"${field}" must be a string` } };
    }
  }
  const next = value.next.trim();
  if (next !== ROUTE_DONE && !members.includes(next)) {
    return { problem: { kind: 'unknown_member', member: next, message: `there is no member named ${JSON.stringify(next)}` } };
  }
  const text_ = (field: 'input' | 'reason' | 'answer') => (typeof value[field] === 'string' ? (value[field] as string) : '');
  return { decision: { next, input: text_('input'), reason: text_('reason'), answer: text_('answer') } };
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  const candidates = [text.trim()];
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  if (fenced) candidates.push(fenced[1].trim());
  const first = text.indexOf('{');
  const last = text.lastIndexOf('}');
  if (first >= 0 && last > first) candidates.push(text.slice(first, last + 1));
  for (const candidate of candidates) {
    try {
      const value = JSON.parse(candidate) as unknown;
      if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // the next candidate
    }
  }
  return undefined;
}
