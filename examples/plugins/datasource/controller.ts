// The datasource plugin's controller: every DataSource is checked (an HTTP GET, or a Postgres
// connection) when it changes and again every checkIntervalSeconds, and its Ready condition says
// what was found. Started by `npm start` (or any supervisor) with KASTRA_API_URL and
// KASTRA_TOKEN (the plugin's own token: it may touch DataSources only).
import { createController, jsonLineLogger } from '@kastra/controller-runtime';
import { checkDataSource, type DataSourceSpec } from './datasource-check';
import { startReadServer } from './read-server';

const logger = jsonLineLogger('datasource-plugin');

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    logger.warn({ variable: name }, 'missing environment variable; exiting');
    process.exit(2);
  }
  return value;
}

async function main(): Promise<void> {
  const controller = createController({
    kind: { group: 'mastra.ai', version: 'v1alpha1', plural: 'datasources' },
    connection: { baseUrl: required('KASTRA_API_URL'), token: required('KASTRA_TOKEN') },
    logger,
    async reconcile({ key, object, setReady }) {
      if (!object || object.metadata.deletionTimestamp) return; // nothing is held outside the API
      const spec = object.spec as unknown as DataSourceSpec;
      const outcome = await checkDataSource(spec);
      await setReady(outcome.ready, { reason: outcome.reason, message: outcome.message }, { lastCheckTime: new Date().toISOString() });
      logger.info({ dataSource: key, ready: outcome.ready, reason: outcome.reason }, 'checked');
      // The world signals nothing when a source goes down or comes back: look again.
      return { requeueAfterMs: (spec.checkIntervalSeconds ?? 60) * 1000 };
    },
  });
  await controller.start();
  const port = Number(process.env.DATASOURCE_READ_PORT ?? 0);
  if (port > 0) {
    // Reads are a convenience: a taken port must not stop the controller.
    await startReadServer(port, (key) => controller.get(key))
      .then(() => logger.info({ port }, 'serving reads of Ready DataSources on 127.0.0.1'))
      .catch((error: Error) => logger.warn({ port, err: error.message }, 'reads not served'));
  }
  const stop = () => {
    void controller.stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: Error) => {
  logger.warn({ err: error.message }, 'the controller failed to start');
  process.exit(1);
});
