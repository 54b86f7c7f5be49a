/**
 * The worker process's Temporal runtime: the SDK's log and the core's (forwarded, warnings and up) through the
 * process logger, and the Prometheus endpoint when POLLSTER_WORKER_METRICS_ADDRESS names one. Once, before any
 * connection.
 */
import { Runtime, type TelemetryOptions } from '@temporalio/worker';
import type { Logger } from '../log/logger';
import { SdkLogger } from './sdkLogger';

export function installRuntime(log: Logger, env: NodeJS.ProcessEnv = process.env): void {
  const metricsAddress = env.POLLSTER_WORKER_METRICS_ADDRESS;
  const telemetryOptions: TelemetryOptions = {
    logging: { forward: {}, filter: { core: 'WARN', other: 'ERROR' } },
    ...(metricsAddress ? { metrics: { prometheus: { bindAddress: metricsAddress, countersTotalSuffix: true, unitSuffix: true } } } : {}),
  };
  Runtime.install({ logger: new SdkLogger(log), telemetryOptions });
}
