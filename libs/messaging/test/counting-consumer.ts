// A consumer process for the crash test: records each event's effect exactly once via handleOnce,
// slowly, so that the test can kill it in the middle of handling.
import { Pool } from 'pg';
import { connect } from '@nats-io/transport-node';
import { DurableConsumer, handleOnce, natsNames } from '@kastra/messaging';

async function main() {
  const [databaseUrl, natsUrl, prefix] = process.argv.slice(2);
  const pool = new Pool({ connectionString: databaseUrl });
  const nc = await connect({ servers: natsUrl });
  const consumer = new DurableConsumer({
    nc,
    prefix,
    durableName: 'counting',
    filterSubject: natsNames(prefix).categorySubject('count'),
    ackWaitMs: 1500,
    backoffMs: () => 50,
    handle: async (event) => {
      await handleOnce(pool, 'counting', event.eventId, async (client) => {
        await client.query('INSERT INTO test_effects (event_id, pid) VALUES ($1, $2)', [event.eventId, process.pid]);
        await new Promise((r) => setTimeout(r, 30)); // mid-handling: effect written, not yet committed
      });
      await new Promise((r) => setTimeout(r, 10)); // committed, not yet acked
    },
  });
  await consumer.start();
  process.send?.('ready');
}

void main();
