/**
 * Records a page run's progress on the server before the activity acts on it. The SDK's heartbeats
 * are throttled and not awaited, so one could still be in flight when the worker dies; this one is
 * an awaited RecordActivityTaskHeartbeat call through the client.
 */
import { CancelledFailure, Context } from '@temporalio/activity';
import { ActivityCancelledError, type Client } from '@temporalio/client';

export type RecordProgress = (details: unknown) => Promise<void>;

export function progressRecorder(client: Client): RecordProgress {
  return async (details) => {
    try {
      await client.activity.heartbeat(Context.current().info.taskToken, details);
    } catch (err) {
      if (err instanceof ActivityCancelledError) throw new CancelledFailure('activity cancelled');
      // Not found: this attempt timed out and another may be running; it must not deliver.
      throw err;
    }
  };
}
