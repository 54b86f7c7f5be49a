/** Temporal client errors that mean "that workflow is not running": never started, completed or terminated. */
import { WorkflowNotFoundError } from '@temporalio/client';

export function isWorkflowGone(err: unknown): boolean {
  return err instanceof WorkflowNotFoundError || (err instanceof Error && /not found|already completed/i.test(err.message));
}
