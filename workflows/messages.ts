/**
 * The instance workflow's messages (SPEC §8), usable from the API, the Temporal client and the CLI:
 * `temporal workflow signal --workflow-id instance-42 --name setRefreshInterval --input 5`.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { PollerStatus } from './types';

/** New refresh interval, in minutes (fractions allowed, at least 1 second). */
export const setRefreshInterval = defineSignal<[number | string]>('setRefreshInterval');
export const pollNow = defineSignal('pollNow');
export const pause = defineSignal('pause');
export const resume = defineSignal('resume');
export const status = defineQuery<PollerStatus>('status');
