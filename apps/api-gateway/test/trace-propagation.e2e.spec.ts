import { Client } from 'pg';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, AckPolicy } from '@nats-io/jetstream';
import { natsNames } from '@kastra/messaging';
import { TEST_NATS_URL } from '@kastra/testing';
import { startGateway, type GatewayProcess } from './gateway-process';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('trace context from a request to the event log and NATS', () => {
  let gateway: GatewayProcess;

  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('keeps the caller trace in the event metadata and the relayed message headers', async () => {
    // Given a caller in trace TRACE_ID
    const response = await fetch(`${gateway.httpUrl}/apis/mastra.ai/v1/namespaces/default/llms`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${gateway.token('admin')}`,
        'content-type': 'application/json',
        traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01`,
      },
      body: JSON.stringify({ apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name: 'traced' }, spec: { provider: 'mock', model: 'm' } }),
    });
    expect(response.status).toBe(201);
    // Then the appended event carries a traceparent of the same trace (the gateway's own span)
    const db = new Client({ connectionString: gateway.databaseUrl });
    await db.connect();
    const { rows } = await db.query(`SELECT metadata FROM kastra_events WHERE stream_id = 'resource:LLM:default:traced'`);
    await db.end();
    expect(rows[0].metadata.traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
    expect(rows[0].metadata.traceparent).not.toContain('00f067aa0ba902b7');
    // And the relay publishes it to JetStream with that traceparent header
    const nc = await connect({ servers: TEST_NATS_URL });
    try {
      const names = natsNames(gateway.natsPrefix);
      const jsm = await jetstreamManager(nc);
      await jsm.consumers.add(names.eventsStream, { durable_name: 'trace-check', filter_subject: names.eventSubject('resource:LLM:default:traced'), ack_policy: AckPolicy.Explicit });
      const consumer = await jetstream(nc).consumers.get(names.eventsStream, 'trace-check');
      const message = await consumer.next({ expires: 10000 });
      expect(message?.headers?.get('traceparent')).toBe(rows[0].metadata.traceparent);
      message?.ack();
    } finally {
      await nc.close();
    }
  });
});
