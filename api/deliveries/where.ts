/** The deliveries' `where` filter: `channel='webhook' and status='queued' and config.url='https://...'`. */
import type { DeliveryStatus } from '../../contract/delivery';
import { ApiError } from '../errors';

export interface DeliveryFilter {
  channel?: string;
  status?: DeliveryStatus;
  url?: string;
}

export function parseDeliveryWhere(where: string | undefined): DeliveryFilter {
  const filter: DeliveryFilter = {};
  if (!where || where.trim() === '') return filter;
  for (const clause of where.split(/\s+and\s+/i)) {
    const m = /^\s*(channel|status|config\.url)\s*=\s*'((?:[^']|'')*)'\s*$/i.exec(clause);
    if (!m) throw new ApiError(400, `where: cannot read '${clause.trim()}'`, [{ path: 'query.where', message: "expected key='value' clauses joined by and; keys: channel, status, config.url" }]);
    const key = m[1]!.toLowerCase();
    const value = m[2]!.replace(/''/g, "'");
    if (key === 'channel') filter.channel = value;
    else if (key === 'config.url') filter.url = value;
    else if (value === 'queued' || value === 'retry' || value === 'delivered') filter.status = value;
    else throw new ApiError(400, `where: unknown status '${value}'`, [{ path: 'query.where', message: "status is one of 'retry', 'queued', 'delivered'" }]);
  }
  return filter;
}

/** The filter of retry now: pending deliveries only (`retry`, `queued`, or both when no status is given). */
export function parseRetryWhere(where: string | undefined): DeliveryFilter {
  const filter = parseDeliveryWhere(where);
  if (filter.status === 'delivered') {
    throw new ApiError(400, "where: a delivered notification is not retried", [{ path: 'query.where', message: "retry now takes pending deliveries: status 'retry' or 'queued'" }]);
  }
  return filter;
}
