/** The activities of Pollster's workflows, bound to what they need. */
import type { PollsterActivities } from '../contract/activities';
import { createAuthenticate } from './authenticate';
import { createCheckResources } from './checkResources';
import { createAttemptDelivery } from './deliverAttempt';
import { createDeliverPaced } from './deliverPaced';
import { createDeliverNotification } from './deliverNotification';
import type { ActivityDeps } from './deps';
import { createPollPage } from './pollPage';
import { createScanIds } from './scanIds';

export type { ActivityDeps } from './deps';

export function createActivities(deps: ActivityDeps): PollsterActivities {
  return {
    checkResources: createCheckResources(deps),
    pollPage: createPollPage(deps),
    authenticate: createAuthenticate(deps),
    attemptDelivery: createAttemptDelivery(deps),
    deliverPaced: createDeliverPaced(deps),
    deliverNotification: createDeliverNotification(deps),
    scanIds: createScanIds(deps),
  };
}
