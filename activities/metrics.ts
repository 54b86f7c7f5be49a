/** Pollster's activity-side metrics, on the SDK's meter (same Prometheus endpoint as the SDK's own). */
import { Context } from '@temporalio/activity';

const meter = () => Context.current().metricMeter;

export function countRecords(n: number, element: string): void {
  meter().createCounter('pollster_records_seen', 'records', 'Records fetched from providers').add(n, { element });
}

export function countDelivered(n: number): void {
  meter().createCounter('pollster_events_delivered', 'notifications', 'Notifications delivered (2xx)').add(n);
}

export function countDeliveryFailure(status: number): void {
  meter().createCounter('pollster_delivery_failures', 'notifications', 'Delivery attempts that failed, by HTTP status (0: no answer)').add(1, { status: String(status) });
}
