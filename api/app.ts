/** The HTTP API: Fastify under `/elements/api-v2`, Cloud Elements' auth header, zod validation, thin routes over services. */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { TASK_QUEUE } from '../contract/names';
import type { PollsterStore } from '../store/types';
import type { ApiSecrets } from './auth';
import { TemporalDeliveryService, type DeliveryService } from './deliveries/service';
import { temporalPollPositions } from './dryRun/positions';
import { dryRunService, type DryRunService } from './dryRun/service';
import { frameworkError, registerErrorHandler } from './errors';
import { pageTokens } from './instances/pageToken';
import { RequestLog } from './logging';
import { TemporalInstanceService, type InstanceService } from './instances/service';
import { openApi } from './plugins/openapi';
import { platformAuth } from './plugins/platformAuth';
import { registerZodValidation } from './plugins/validation';
import { accountRoutes } from './routes/accounts';
import { codecRoutes } from './routes/codec';
import { configurationRoutes } from './routes/configuration';
import { consoleRoutes } from './routes/console';
import { deliveryRoutes } from './routes/deliveries';
import { dryRunRoutes } from './routes/dryRun';
import { elementRoutes } from './routes/elements';
import { eventRoutes } from './routes/events';
import { replayRoutes } from './routes/replays';
import { TemporalReplayService, type ReplayService } from './replays/service';
import { healthRoutes } from './routes/health';
import { instanceRoutes } from './routes/instances';
import { recordRoutes } from './routes/records';
import { pollRoutes } from './routes/polls';

export const BASE_PATH = '/elements/api-v2';

/** What the routes work with: Temporal and Pollster's store in production, fakes in route tests. */
export interface ApiServices {
  instances: InstanceService;
  deliveries: DeliveryService;
  /** Rewinds and replays (absent in route tests that do not need them). */
  replays?: ReplayService;
  /** Dry runs: polls that deliver nothing and move nothing, run in the API process. */
  dryRuns: DryRunService;
  /** Poll history and the delivery log (absent in route tests that do not need them). */
  store?: PollsterStore;
  /** The Temporal namespace (the console links into it). */
  namespace: string;
  /** Resolves when Temporal answers (`/healthz`). */
  checkTemporal(): Promise<void>;
}

export function temporalServices(client: Client, taskQueue: string = TASK_QUEUE, store?: PollsterStore): ApiServices {
  return {
    store,
    instances: new TemporalInstanceService(client, taskQueue, store),
    deliveries: new TemporalDeliveryService(client, taskQueue, store),
    replays: new TemporalReplayService(client, taskQueue),
    dryRuns: dryRunService(temporalPollPositions(client)),
    namespace: client.options.namespace,
    checkTemporal: async () => {
      await client.connection.workflowService.getSystemInfo({});
    },
  };
}

export interface ApiOptions {
  services: ApiServices;
  secrets: ApiSecrets;
  /** Fastify's logger as pino options (none by default). Requests are logged at debug (api/logging.ts). */
  logger?: boolean | object;
  /** Or a logger: api/logging.ts's apiLogger. */
  loggerInstance?: FastifyBaseLogger;
  /** The payload codec, served to the Temporal UI and CLI at /codec. */
  codec?: PayloadCodec;
  /** A worker's Prometheus endpoint, served again at /metrics. */
  workerMetricsUrl?: string;
  /** The Temporal UI the console links to (default POLLSTER_TEMPORAL_UI_URL, else the dev server's UI). */
  consoleUiUrl?: string;
}

export async function buildApi(options: ApiOptions): Promise<FastifyInstance> {
  const { services, secrets } = options;
  const app = Fastify({
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : { logger: options.logger ?? false }),
    logController: new RequestLog(),
    // A client must send its whole request within this time: slow bodies do not hold connections open.
    requestTimeout: 30_000,
    frameworkErrors: frameworkError,
    genReqId: () => crypto.randomUUID(),
    requestIdHeader: 'x-request-id',
  }).withTypeProvider<ZodTypeProvider>();
  registerZodValidation(app);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(app);

  await app.register(openApi, { routePrefix: `${BASE_PATH}/docs` });
  await app.register(consoleRoutes({ temporalUiUrl: options.consoleUiUrl, namespace: services.namespace }));
  await app.register(
    async (api) => {
      await api.register(healthRoutes, { checkTemporal: services.checkTemporal, workerMetricsUrl: options.workerMetricsUrl, countInstances: () => services.instances.healthCounts() });
      if (options.codec) await api.register(codecRoutes(options.codec, secrets, { uiUrl: options.consoleUiUrl }));
      await api.register(async (secured) => {
        await secured.register(platformAuth, { secrets });
        await secured.register(instanceRoutes, { instances: services.instances, pageTokens: pageTokens(secrets) });
        await secured.register(configurationRoutes, { instances: services.instances });
        await secured.register(eventRoutes, { instances: services.instances, store: services.store });
        await secured.register(dryRunRoutes, { instances: services.instances, dryRuns: services.dryRuns });
        await secured.register(recordRoutes, { instances: services.instances, dryRuns: services.dryRuns, store: services.store });
        await secured.register(pollRoutes, { instances: services.instances, store: services.store });
        if (services.replays) await secured.register(replayRoutes, { instances: services.instances, replays: services.replays });
        await secured.register(elementRoutes);
        await secured.register(deliveryRoutes, { deliveries: services.deliveries });
        await secured.register(accountRoutes, { deliveries: services.deliveries });
      });
    },
    { prefix: BASE_PATH },
  );
  return app;
}
