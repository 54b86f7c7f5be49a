/** The delivery path's waits for the receiver, on the SDK's meter (the worker's Prometheus endpoint, as metrics.ts). */
import { Context } from '@temporalio/activity';

const meter = () => Context.current().metricMeter;

/** An attempt made after waiting out a receiver's Retry-After (429 or 503) that put it later than the schedule. */
export function countRetryAfterWait(): void {
  meter().createCounter('pollster_delivery_retry_after_waits', 'attempts', "Delivery attempts that waited for the receiver's Retry-After").add(1);
}

/** An attempt that waited for its callback's rate limit (event.notification.rate_limit). */
export function countRateLimitedWait(): void {
  meter().createCounter('pollster_delivery_rate_limited_waits', 'attempts', "Delivery attempts that waited for the callback's rate limit").add(1);
}
