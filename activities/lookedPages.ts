/**
 * The quick look's first pages (checkResources), kept briefly for the page run that follows on the same worker: a
 * poll that finds changes reads its first page once, not twice. A page run elsewhere, or later, reads it again.
 */
import type { PageResult } from '../elements/types';

/** Pages with more records than this are not kept (the bound on what the cache holds is entries × records). */
const MAX_RECORDS = 1000;
const MAX_ENTRIES = 32;
const TTL_MS = 30_000;

export class LookedPages {
  private readonly pages = new Map<string, { page: PageResult; atMs: number }>();

  put(key: string, page: PageResult, nowMs = Date.now()): void {
    if (page.records.length > MAX_RECORDS) return;
    for (const [k, v] of this.pages) if (nowMs - v.atMs > TTL_MS || this.pages.size >= MAX_ENTRIES) this.pages.delete(k);
    this.pages.set(key, { page, atMs: nowMs });
  }

  /** The page, once: it is forgotten as it is taken. */
  take(key: string, nowMs = Date.now()): PageResult | undefined {
    const entry = this.pages.get(key);
    this.pages.delete(key);
    return entry && nowMs - entry.atMs <= TTL_MS ? entry.page : undefined;
  }
}

/** A poll window's first page of one resource. */
export const lookedPageKey = (instanceId: number, resourceName: string, url: string, pollStartMs: number): string => `${instanceId}\n${resourceName}\n${pollStartMs}\n${url}`;
