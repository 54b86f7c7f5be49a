/** Where an instance's next poll starts, and its OAuth2 tokens: the workflow's `pollPosition` query. */
import { QueryNotRegisteredError, type Client } from '@temporalio/client';
import type { PollPosition } from '../../contract/instance';
import { pollPosition } from '../../contract/messages';
import { instanceWorkflowId } from '../../contract/names';
import { isWorkflowGone } from '../../temporal/errors';
import { ApiError, notFound } from '../errors';

export type PollPositions = (instanceId: number) => Promise<PollPosition>;

export function temporalPollPositions(client: Client): PollPositions {
  return async (instanceId) => {
    try {
      return await client.workflow.getHandle(instanceWorkflowId(instanceId)).query(pollPosition);
    } catch (err) {
      if (err instanceof QueryNotRegisteredError) {
        // A run of the previous release answers no pollPosition; it continues as new into this one at its next poll.
        throw new ApiError(409, `instance ${instanceId} still runs the previous release's workflow, which cannot tell where its next poll starts: dry-run it after its next poll`);
      }
      if (isWorkflowGone(err)) throw notFound(`instance ${instanceId}`);
      throw err;
    }
  };
}
