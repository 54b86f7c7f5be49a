/**
 * The provider requests of one piece of work (a poll's page run, its quick look, a dry run), noted as they are made:
 * method, URL with credentials masked, status, time. Carried by async context, so the element adapters need not
 * know: every request goes through requestJson, which notes it here.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { maskUrl } from '../core/maskUrl';

export interface ProviderRequest {
  method: string;
  url: string;
  /** HTTP status; 0 when no answer came. */
  status: number;
  ms: number;
  error?: string;
}

/** Requests noted per piece of work, at most (a page run of hundreds of pages notes the first ones). */
const MAX_NOTED = 100;

const current = new AsyncLocalStorage<ProviderRequest[]>();

/** Runs `work`, noting its provider requests into `log`. */
export function withRequestLog<T>(log: ProviderRequest[], work: () => Promise<T>): Promise<T> {
  return current.run(log, work);
}

export function noteRequest(request: ProviderRequest): void {
  const log = current.getStore();
  if (log && log.length < MAX_NOTED) log.push({ ...request, url: maskUrl(request.url) });
}
