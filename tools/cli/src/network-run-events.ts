/** One recorded network run event as the SSE endpoints send it. */
export interface NetworkRunEventFrame {
  type: string;
  createdAt: string;
  data: Record<string, unknown>;
}

const DETAIL_LENGTH = 100;

/** `2026-01-02T10:00:00.000Z  RouteDecided        step 1  → search: find sources (reason: sources first)` */
export function formatNetworkRunEvent(event: NetworkRunEventFrame): string {
  const data = event.data ?? {};
  const step = typeof data.step === 'number' ? `step ${data.step}` : '-';
  return `${event.createdAt}  ${event.type.padEnd(19)} ${step.padEnd(8)} ${networkEventDetail(event.type, data)}`.trimEnd();
}

/** What one event says, in a line: the decision, the member's result, how the run ended. */
export function networkEventDetail(type: string, data: Record<string, unknown>): string {
  switch (type) {
    case 'NetworkRunStarted': {
      const members = Array.isArray(data.members) ? (data.members as Array<{ name?: string }>).map((m) => m.name).join(', ') : '';
      return `network ${String(data.network)} members ${members || '-'} max ${String(data.maxSteps ?? '-')} steps: ${short(data.message)}`;
    }
    case 'RouteDecided':
      return data.next === 'done' ? `done (${String(data.reason ?? '')}): ${short(data.answer)}` : `→ ${String(data.next)}: ${short(data.input)} (${String(data.reason ?? '')})`;
    case 'MemberStarted':
      return `${String(data.member)} (${String(data.memberKind ?? 'Agent')})${typeof data.childRun === 'string' ? ` run ${data.childRun}` : ''}`;
    case 'MemberFinished':
      return `← ${String(data.member)}: ${short(data.output)}`;
    case 'MemberFailed':
      return `✗ ${String(data.member)}: ${errorText(data.error)}`;
    case 'NetworkRunSucceeded':
      return `after ${String(data.steps ?? '?')} steps: ${short(data.output)}`;
    case 'NetworkRunFailed':
      return `${String(data.reason ?? 'Error')}: ${String(data.message ?? '')}`;
    case 'NetworkRunCancelled':
      return 'cancelled';
    default:
      return short(data);
  }
}

/** A member's error `{type, message}` as `type: message`. */
export function errorText(error: unknown, length = DETAIL_LENGTH): string {
  const { type, message } = (error ?? {}) as { type?: unknown; message?: unknown };
  return typeof message === 'string' ? short(`${typeof type === 'string' ? `${type}: ` : ''}${message}`, length) : short(error, length);
}

/** A value in one line: strings as they are, the rest as JSON, cut at 100 characters. */
export function short(value: unknown, length = DETAIL_LENGTH): string {
  const text = value === undefined ? '-' : typeof value === 'string' ? value.replace(/\s+/g, ' ') : JSON.stringify(value);
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
