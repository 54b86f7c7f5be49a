/** The store's public face: open it, its types, its bounds. */
export { openStore, storeTarget, SQLITE_FILE_NAME, type OpenStoreOptions, type StoreTarget } from './open';
export { PRUNE_INTERVAL_MS, RETENTION } from './retention';
export { schedulePrune } from './pruning';
export type * from './types';
