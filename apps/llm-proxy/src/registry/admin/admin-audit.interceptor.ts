import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { catchError, concatMap, from, type Observable, throwError } from 'rxjs';
import { ApiError } from '@kastra/api';
import { JwtAuthority, principalFromAuthorizationHeader } from '@kastra/auth';
import { EventStore, StreamVersionConflictError } from '@kastra/event-store';
import { createLogger } from '@kastra/telemetry';
import { ADMIN_WRITE_AUDITED, type AdminWriteAudited, auditStreamId } from './admin-write-audited';

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const MAX_CONFLICT_RETRIES = 20;
const logger = createLogger('llm-proxy').child({ component: 'llm-registry-admin' });

/**
 * Appends an AdminWriteAudited event to `audit:<day>` for every write of the admin controllers
 * it decorates, after the write is answered by the handler and before the client gets it. It runs
 * after the admin guard, so every event names an authenticated caller. Field names only, never
 * values; the target's id and name come from the answer, which never holds a key.
 */
@Injectable()
export class AdminAuditInterceptor implements NestInterceptor {
  constructor(
    @Inject(EventStore) private readonly events: EventStore,
    @Inject(JwtAuthority) private readonly authority: JwtAuthority,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    if (!WRITE_METHODS.has(req.method)) return next.handle();
    const res = http.getResponse<Response>();
    return next.handle().pipe(
      concatMap((answer) => from(this.record(req, 'succeeded', res.statusCode, answer).then(() => answer))),
      catchError((error: unknown) => from(this.record(req, 'failed', statusOf(error), undefined)).pipe(concatMap(() => throwError(() => error)))),
    );
  }

  private async record(req: Request, outcome: AdminWriteAudited['outcome'], status: number, answer: unknown): Promise<void> {
    const now = new Date();
    const actor = principalFromAuthorizationHeader(req.headers.authorization, this.authority).sub;
    const data: AdminWriteAudited = {
      actor,
      method: req.method,
      path: req.path,
      resource: resourceOf(req.path),
      target: targetOf(req, answer),
      // A refused body may hold anything as a field name (a pasted key): only validated ones are named.
      fields: outcome === 'succeeded' ? fieldsOf(req.body) : [],
      outcome,
      status,
      at: now.toISOString(),
    };
    const streamId = auditStreamId(now);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.events.append(streamId, [{ type: ADMIN_WRITE_AUDITED, data: data as unknown as Record<string, unknown> }], { metadata: { actor: `user:${actor}` } });
        return;
      } catch (error) {
        if (error instanceof StreamVersionConflictError && attempt < MAX_CONFLICT_RETRIES) {
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * (attempt + 1)));
          continue;
        }
        // The write itself is done: say that its audit record is missing (never the body).
        logger.error({ err: error, streamId, method: data.method, path: data.path, actor }, 'could not append the audit event of an admin write');
        return;
      }
    }
  }
}

function statusOf(error: unknown): number {
  if (error instanceof ApiError) return error.httpStatus;
  const status = (error as { getStatus?: () => number }).getStatus?.();
  return typeof status === 'number' ? status : 500;
}

function resourceOf(path: string): string {
  if (path.startsWith('/api/v1/llm-models')) return 'llm-models';
  if (path.startsWith('/api/v1/llm/providers')) return 'providers';
  if (path.startsWith('/api/v1/llm/user-limits')) return 'user-limits';
  if (path.startsWith('/api/v1/llm/admin/rotate-master-key')) return 'master-key';
  return 'unknown';
}

function targetOf(req: Request, answer: unknown): AdminWriteAudited['target'] {
  const params = (req.params ?? {}) as Record<string, string | undefined>;
  const fromAnswer = typeof answer === 'object' && answer !== null ? (answer as Record<string, unknown>) : {};
  const id = stringOf(fromAnswer.id) ?? params.id ?? params.user ?? stringOf(fromAnswer.user);
  const name = stringOf(fromAnswer.model_id) ?? stringOf(fromAnswer.name) ?? params.user;
  return { ...(id !== undefined ? { id } : {}), ...(name !== undefined ? { name } : {}) };
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function fieldsOf(body: unknown): string[] {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? Object.keys(body).sort() : [];
}
