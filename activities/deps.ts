/**
 * What the activities need from the outside world, handed in by the worker (workers/activityDeps.ts) or by a test:
 * no activity module reads the environment or opens a connection when it is imported.
 */
import type { ElementAdapter } from '../elements/types';
import type { CallbackPoster } from './callback';
import type { Journal } from './journal';
import type { PollsterStore } from '../store/types';
import type { LookedPages } from './lookedPages';
import type { RecordProgress } from './progress';
import type { SubscriptionGateway } from './subscriptions';

export interface ActivityDeps {
  /** The element adapter for a key (elements/registry.ts in production, fakes in tests). */
  elementAdapter(key: string): ElementAdapter | undefined;
  /** Delivery of one notification to its callback. */
  postNotification: CallbackPoster;
  /** The callbacks' subscriptions: status, hand-off, the account's failure policy. */
  subscriptions: SubscriptionGateway;
  /** Records a page run's progress on the server before the run acts on it. */
  recordProgress: RecordProgress;
  /** Multiplies every delivery retry delay (POLLSTER_RETRY_SCALE). */
  retryScale: number;
  /** First pages the quick look read, for the page run that follows on this worker. */
  lookedPages: LookedPages;
  /** Poll history and the delivery log, in Pollster's store. */
  journal: Journal;
  /** Pollster's store itself: id scans and reported keys, where a failed write must fail the activity. */
  store: PollsterStore;
}
