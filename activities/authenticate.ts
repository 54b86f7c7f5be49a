/** OAuth2 code exchange and token refresh, in an activity of its own so new tokens are durable at once. */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { AuthenticateInput, PollsterActivities } from '../contract/activities';
import { FailureType } from '../contract/failures';
import type { ActivityDeps } from './deps';
import { toFailure } from './failures';

export function createAuthenticate(deps: Pick<ActivityDeps, 'elementAdapter'>): PollsterActivities['authenticate'] {
  return async function authenticate(input: AuthenticateInput) {
    const adapter = deps.elementAdapter(input.elementKey);
    if (!adapter) throw ApplicationFailure.nonRetryable(`unknown element ${input.elementKey}`, FailureType.configuration);
    if (!adapter.authenticate) return undefined;
    try {
      return await adapter.authenticate({
        configuration: input.configuration,
        credentials: input.credentials,
        providerCode: input.providerCode,
        signal: Context.current().cancellationSignal,
      });
    } catch (err) {
      throw toFailure(err);
    }
  };
}
