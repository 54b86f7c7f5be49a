/** How instances, their configuration entries and their events look in the API (Cloud Elements' shapes). */
import { createHash } from 'node:crypto';
import { maskConfiguration } from '../../core/instanceSpec';
import type { InstanceRecord } from '../../contract/instance';
import type { InstanceEvent, InstanceHealth } from './service';

/** An instance's health in the API: its state, and where known its reasons and since when (Pollster extension). */
export interface HealthView {
  state: InstanceHealth['state'];
  reasons?: string[];
  since?: string;
}

export function healthView(health: InstanceHealth): HealthView {
  return { state: health.state, reasons: health.reasons, ...(health.since ? { since: health.since } : {}) };
}

/** The instance as Cloud Elements returns it: configuration as strings, secrets masked; and its health when read. */
export function instanceView(record: InstanceRecord, health?: HealthView): Record<string, unknown> {
  const { spec } = record;
  return {
    id: record.id,
    name: spec.name,
    token: record.token,
    createdDate: record.createdDate,
    element: { key: spec.elementKey },
    configuration: maskConfiguration(spec.configuration),
    tags: spec.tags,
    eventsEnabled: spec.configuration['event.notification.enabled'] === 'true',
    valid: true,
    disabled: spec.disabled,
    ...(health ? { health } : {}),
  };
}

/** Configuration entries carry a stable id derived from their key. */
export function configurationId(key: string): number {
  return createHash('sha256').update(key).digest().readUIntBE(0, 4) + 1;
}

export interface ConfigurationEntry {
  id: number;
  key: string;
  propertyValue: string;
}

export function configurationEntries(record: InstanceRecord): ConfigurationEntry[] {
  return Object.entries(maskConfiguration(record.spec.configuration))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, propertyValue]) => ({ id: configurationId(key), key, propertyValue }));
}

/** An event-log entry: the notification, its status, and its payload when the retry path holds it. */
export function eventView(instanceId: number, e: InstanceEvent): Record<string, unknown> {
  return {
    id: e.id,
    instanceId,
    eventDate: new Date(e.atMs).toISOString(),
    objectType: e.resource,
    events: e.events,
    status: e.status,
    attempts: e.delivery?.attempts,
    lastError: e.delivery?.lastError,
    payload: e.delivery?.payload,
  };
}
