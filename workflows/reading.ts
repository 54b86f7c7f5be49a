/**
 * What every read of an instance's provider shares within a workflow turn: the instance as the activities see it
 * (its reference, its configuration without the poller's keys, its OAuth2 tokens), and page runs built on them.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { InstanceRef } from '../core/envelope';
import { ELEMENT_HUBS, OAUTH_ELEMENTS, type ResourceConfig } from '../core/settings';
import { activityConfiguration, type PollPageInput, type PollPageResult, type PollsterActivities } from '../contract/activities';
import type { InstanceRecord, InstanceState } from '../contract/instance';
import { pageRunActivityOptions } from '../contract/retryPolicy';
import type { ResourcePass } from './resourcePass';

const { pollPage, authenticate } = proxyActivities<PollsterActivities>(pageRunActivityOptions);

/** Refresh OAuth2 tokens this long before they expire. */
const REFRESH_MARGIN_MS = 2 * 60_000;
const RECENT_NOTIFICATIONS = 100;

export interface Reading {
  ref: InstanceRef;
  configuration: Record<string, string>;
  oauth: boolean;
  /** Tokens due (or none yet) for an OAuth2 element: refresh them now. */
  credentialsDue(nowMs: number): boolean;
  refreshCredentials(): Promise<void>;
  /** Page runs of one resource (or of its tombstones, or a settle pass); each run counted on the resource. */
  pass(name: string, resource: ResourceConfig, mode?: PollPageInput['mode'], onRun?: (page: PollPageResult) => void): ResourcePass;
}

/** The instance as the activities see it. */
export function instanceRef(instance: InstanceRecord): InstanceRef {
  return { id: instance.id, name: instance.spec.name, tags: instance.spec.tags, elementKey: instance.spec.elementKey, hubKey: ELEMENT_HUBS[instance.spec.elementKey] };
}

export function reading(instance: InstanceRecord, state: InstanceState): Reading {
  const ref = instanceRef(instance);
  const configuration = activityConfiguration(instance.spec.configuration);
  const oauth = OAUTH_ELEMENTS.includes(instance.spec.elementKey);
  return {
    ref,
    configuration,
    oauth,
    credentialsDue: (nowMs) => oauth && (!state.credentials || (state.credentials.expiresAtMs ?? Infinity) - nowMs < REFRESH_MARGIN_MS),
    async refreshCredentials() {
      state.credentials = await authenticate({
        elementKey: instance.spec.elementKey,
        configuration,
        credentials: state.credentials,
        providerCode: state.credentials ? undefined : instance.spec.providerCode,
      });
    },
    pass: (name, resource, mode, onRun) => ({
      pollPage,
      page: { instance: ref, configuration, resourceName: name, resource, credentials: state.credentials, ...(mode ? { mode } : {}) },
      onPageRun(page) {
        const rs = state.resources[name];
        if (rs) {
          rs.records += page.records;
          rs.events += page.events;
          rs.problems += page.problems;
          rs.lastProblem = page.lastProblem ?? rs.lastProblem;
        }
        remember(state, page.notifications);
        onRun?.(page);
      },
    }),
  };
}

/** The instance's latest notifications, for GET /instances/{id}/events. */
export function remember(state: InstanceState, notifications: InstanceState['recentNotifications']): void {
  state.recentNotifications.push(...notifications);
  if (state.recentNotifications.length > RECENT_NOTIFICATIONS) state.recentNotifications.splice(0, state.recentNotifications.length - RECENT_NOTIFICATIONS);
}
