/** `npm run api`: the HTTP API on POLLSTER_API_PORT. */
import { Client, Connection } from '@temporalio/client';
import { temporalTarget } from '../temporal/target';
import { codecFromEnv, failureConverterPath } from '../temporal/codec';
import { buildApi, BASE_PATH, temporalServices } from './app';
import { apiLogger } from './logging';
import { openStore, schedulePrune } from '../store';

const log = apiLogger();
const target = temporalTarget();
const connection = await Connection.connect({ address: target.address, tls: target.tls });
const codec = codecFromEnv();
const client = new Client({ connection, namespace: target.namespace, dataConverter: { payloadCodecs: [codec], failureConverterPath } });
const secrets = {
  userSecret: required('POLLSTER_USER_SECRET'),
  organizationSecret: required('POLLSTER_ORGANIZATION_SECRET'),
};
const store = await openStore(process.env);
const stopPruning = schedulePrune(store, (err) => log.warn({ err }, 'store: prune failed'));
const app = await buildApi({
  services: temporalServices(client, undefined, store),
  secrets,
  codec,
  workerMetricsUrl: process.env.POLLSTER_WORKER_METRICS_URL,
  loggerInstance: log,
});
const port = Number(process.env.POLLSTER_API_PORT || 3000);
// Fastify's one start line (at info), with the API's path.
await app.listen({ port, host: process.env.POLLSTER_API_HOST || '127.0.0.1', listenTextResolver: (address) => `API listening on ${address}${BASE_PATH}` });

// Once, whichever signal comes first; a second (the terminal's Ctrl-C, then npm start's) changes nothing.
let closing: Promise<void> | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopPruning();
    closing ??= app.close().then(() => store.close()).then(() => connection.close()).then(() => process.exit(0));
  });
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}
