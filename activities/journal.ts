/**
 * What the activities tell Pollster's store: each poll's requests and counts (poll history) and each notification's
 * delivery (the delivery log). Best effort: a write that fails costs a line of history, never a poll or an event
 * (those live in Temporal), so it is logged and the activity goes on.
 */
import { Context } from '@temporalio/activity';
import type { DeliveryChange, NotificationRecord, PollEntry, PollsterStore } from '../store/types';

export interface Journal {
  pollEntry(entry: PollEntry): Promise<void>;
  notifications(records: NotificationRecord[]): Promise<void>;
  delivery(id: string, change: DeliveryChange): Promise<void>;
}

export function storeJournal(store: PollsterStore): Journal {
  const bestEffort = async (what: string, write: () => Promise<void>): Promise<void> => {
    try {
      await write();
    } catch (err) {
      Context.current().log.warn(`store: could not write ${what}`, { error: (err as Error).message });
    }
  };
  return {
    pollEntry: (entry) => bestEffort('a poll entry', () => store.recordPollEntry(entry)),
    notifications: (records) => bestEffort('the delivery log', () => store.recordNotifications(records)),
    delivery: (id, change) => bestEffort('a delivery', () => store.updateNotification(id, change)),
  };
}

/** A journal that keeps nothing (activities run without a store in some tests). */
export const noJournal: Journal = {
  pollEntry: async () => undefined,
  notifications: async () => undefined,
  delivery: async () => undefined,
};
