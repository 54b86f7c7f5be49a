/** The subscription workflow's input and state as the previous release shaped them (no version, no policy, no rate). */
import type { DeliveredSummary, PendingNotification } from '../../contract/delivery';

export interface SubscriptionInput {
  url: string;
  state?: SubscriptionState;
}

export interface SubscriptionState {
  active: boolean;
  deactivatedReason?: string;
  queue: PendingNotification[];
  delivered: DeliveredSummary[];
}
