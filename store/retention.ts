/**
 * The store's bounds, in one place. `prune` enforces the retention numbers; until it runs (every
 * PRUNE_INTERVAL_MS in each process that opens the store) a little more may be held. The numbers
 * size the store: about 200 notifications × their payload, and 50 polls, per instance.
 */
const DAY_MS = 24 * 60 * 60 * 1000;

export const RETENTION = {
  /** Delivery log: the newest this many notifications per instance… */
  notificationsPerInstance: 200,
  /** …and none older than this (by creation time). */
  notificationMaxAgeMs: 7 * DAY_MS,
  /** Poll history: the newest this many polls per instance (a poll is its start time). */
  pollsPerInstance: 50,
  /** Poll history: requests kept per entry (a long backfill makes many); the rest are only counted. */
  requestsPerPollEntry: 100,
  /** Reported keys: dropped once their change date is older than this, unless prune is given another age. */
  reportedKeyMaxAgeMs: 2 * DAY_MS,
  // Id scans have no number: a resource keeps its last complete scan and the one in progress.
} as const;

/** How often a process that opened the store should call `prune`. */
export const PRUNE_INTERVAL_MS = 5 * 60 * 1000;

/** Query limits: a page of the delivery log, of poll history, and of deleted ids. */
export const MAX_NOTIFICATIONS_PER_QUERY = 1000;
export const MAX_POLLS_PER_QUERY = 1000;
export const MAX_DELETED_IDS_PER_PAGE = 10_000;
