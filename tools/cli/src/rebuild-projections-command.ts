import { Pool } from 'pg';
import { loadConfig } from '@kastra/config';
import { migrate } from '@kastra/event-store';
import { rebuildResourceProjection } from '@kastra/resource-store';
import type { CliContext } from './cli-context';

/**
 * `kastra rebuild-projections`: replays the resource read model from the event log, in place,
 * while the stack runs (writers wait on the table lock meanwhile). Talks to DATABASE_URL directly.
 */
export async function rebuildProjectionsCommand(options: { databaseUrl?: string }, ctx: CliContext): Promise<void> {
  const pool = new Pool({ connectionString: options.databaseUrl ?? loadConfig(0, ctx.env).databaseUrl, max: 2 });
  try {
    await migrate(pool);
    const started = Date.now();
    const result = await rebuildResourceProjection(pool);
    ctx.stdout(`rebuilt resources from ${result.events} events of ${result.streams} streams in ${Date.now() - started} ms\n`);
  } finally {
    await pool.end();
  }
}
