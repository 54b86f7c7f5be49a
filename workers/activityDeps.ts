/** The activities' dependencies in a worker process: the element registry, the callback poster, Temporal's client. */
import type { Client } from '@temporalio/client';
import type { ActivityDeps } from '../activities';
import { createCallbackPoster } from '../activities/callback';
import { storeJournal } from '../activities/journal';
import { LookedPages } from '../activities/lookedPages';
import type { PollsterStore } from '../store/types';
import { progressRecorder } from '../activities/progress';
import { TemporalSubscriptionGateway } from '../activities/subscriptions';
import { elementAdapter } from '../elements/registry';
import { privateAllowed } from '../net/outboundGuard';
import { deliveryConcurrency, retryScale } from './tuning';

export function activityDeps(client: Client, taskQueue: string, env: NodeJS.ProcessEnv, store: PollsterStore): ActivityDeps {
  return {
    elementAdapter,
    postNotification: createCallbackPoster({ perHostConcurrency: deliveryConcurrency(env), allowPrivate: privateAllowed('callback', env) }),
    subscriptions: new TemporalSubscriptionGateway(client, taskQueue),
    recordProgress: progressRecorder(client),
    retryScale: retryScale(env),
    lookedPages: new LookedPages(),
    journal: storeJournal(store),
    store,
  };
}
