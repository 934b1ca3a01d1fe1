import type { ChatMessage, ChatRequest } from '@kastra/agent-runtime';
import { parseRouteDecision, ROUTE_DONE, type RouteDecision } from './route-decision';
import { routerMessages, routerRequest, type RouterPromptInput } from './router-prompt';

/** Makes one routing call (attempt 1 is the first of the step) and answers the assistant's text. */
export type RouterCall = (request: ChatRequest, attempt: number) => Promise<string>;

/** Why a step got no decision: the run fails with this reason. */
export class RouteDecisionError extends Error {
  constructor(
    readonly reason: 'UnparsableDecision' | 'UnknownMember',
    message: string,
    /** The unknown name, for UnknownMember. */
    readonly member?: string,
  ) {
    super(message);
    this.name = 'RouteDecisionError';
  }
}

/** A decision and how many calls it took (1, or 2–3 with a repair or corrective turn). */
export interface RouteTurn {
  decision: RouteDecision;
  calls: number;
}

/**
 * One routing step: ask the router model; an answer that is not a decision gets ONE repair turn
 * (its answer and what was wrong go back to it), an answer naming no member gets ONE corrective
 * turn (the members are listed again). A second answer of the same fault fails the step:
 * `UnparsableDecision`, or `UnknownMember` naming the member. Host-independent: `call` is the
 * only way out.
 */
export async function decideRoute(call: RouterCall, model: string, input: RouterPromptInput): Promise<RouteTurn> {
  const members = input.members.map((member) => member.name);
  const messages: ChatMessage[] = routerMessages(input);
  let repaired = false;
  let corrected = false;
  for (let attempt = 1; ; attempt++) {
    const text = await call(routerRequest(model, input, [...messages]), attempt);
    const parsed = parseRouteDecision(text, members);
    if ('decision' in parsed) return { decision: parsed.decision, calls: attempt };
    const problem = parsed.problem;
    if (problem.kind === 'unparsable') {
      if (repaired) throw new RouteDecisionError('UnparsableDecision', `the router's answer was not a decision twice (${problem.message}): ${preview(text)}`);
      repaired = true;
      messages.push({ role: 'assistant', content: text });
      messages.push({
        role: 'user',
        content: `That answer could not be used: ${problem.message}. Answer again with only the JSON object {"next", "input", "reason", "answer"} — no other text.`,
      });
    } else {
      if (corrected) throw new RouteDecisionError('UnknownMember', `the router picked ${JSON.stringify(problem.member)}, which is not a member of the network (members: ${members.join(', ')})`, problem.member);
      corrected = true;
      messages.push({ role: 'assistant', content: text });
      messages.push({
        role: 'user',
        content: `There is no member named ${JSON.stringify(problem.member)}. "next" must be one of ${[...members, ROUTE_DONE].map((name) => JSON.stringify(name)).join(', ')}. Answer again with the JSON object.`,
      });
    }
  }
}

function preview(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > 200 ? `${flat.slice(0, 200)}…` : flat);
}
