/**
 * Pollster's workflow-side metrics, through the SDK's meter so replays do not count twice. Created on
 * first use, inside the workflow that records them.
 */
import { metricMeter } from '@temporalio/workflow';
import type { MetricCounter, MetricHistogram } from '@temporalio/common';

let instruments: { polls: MetricCounter; pollDuration: MetricHistogram; scheduleLag: MetricHistogram } | undefined;

export function workflowMetrics(): NonNullable<typeof instruments> {
  instruments ??= {
    polls: metricMeter.createCounter('pollster_polls', 'polls', 'Poll cycles run'),
    pollDuration: metricMeter.createHistogram('pollster_poll_duration', 'int', 'ms', 'Poll cycle duration'),
    scheduleLag: metricMeter.createHistogram('pollster_schedule_lag', 'int', 'ms', 'Actual poll start minus due time'),
  };
  return instruments;
}
