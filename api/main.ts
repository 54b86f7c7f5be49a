/** `npm run api`: the HTTP API on POLLSTER_API_PORT. */
import { Client, Connection } from '@temporalio/client';
import { temporalTarget } from '../temporal/target';
import { codecFromEnv, failureConverterPath } from '../temporal/codec';
import { buildApi, BASE_PATH, temporalServices } from './app';
import { apiLoggerOptions } from './logging';
import { openStore, schedulePrune } from '../store';

const target = temporalTarget();
const connection = await Connection.connect({ address: target.address, tls: target.tls });
const codec = codecFromEnv();
const client = new Client({ connection, namespace: target.namespace, dataConverter: { payloadCodecs: [codec], failureConverterPath } });
const secrets = {
  userSecret: required('POLLSTER_USER_SECRET'),
  organizationSecret: required('POLLSTER_ORGANIZATION_SECRET'),
};
const store = await openStore(process.env);
const stopPruning = schedulePrune(store, (err) => app.log.warn({ err }, 'store: prune failed'));
const app = await buildApi({
  services: temporalServices(client, undefined, store),
  secrets,
  codec,
  workerMetricsUrl: process.env.POLLSTER_WORKER_METRICS_URL,
  logger: apiLoggerOptions(process.env.LOG_LEVEL || 'info'),
});
const port = Number(process.env.POLLSTER_API_PORT || 3000);
await app.listen({ port, host: process.env.POLLSTER_API_HOST || '127.0.0.1' });
console.log(`API listening on http://127.0.0.1:${port}${BASE_PATH}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stopPruning();
    void app.close().then(() => store.close()).then(() => connection.close()).then(() => process.exit(0));
  });
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}
