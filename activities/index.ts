/** The activities of Pollster's workflows, bound to the worker's Temporal client (for hand-offs). */
import type { Client } from '@temporalio/client';
import { TASK_QUEUE } from '../temporal/config';
import { authenticate } from './authenticate';
import { deliverNotification } from './deliverNotification';
import { createPollPage } from './pollPage';
import { progressRecorder } from './progress';
import { SubscriptionGateway } from './subscriptions';

export function createActivities(client: Client, taskQueue = TASK_QUEUE) {
  return {
    pollPage: createPollPage(new SubscriptionGateway(client, taskQueue), progressRecorder(client)),
    authenticate,
    deliverNotification,
  };
}
