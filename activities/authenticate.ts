/** OAuth2 code exchange and token refresh, in an activity of its own so new tokens are durable at once. */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { elementAdapter } from '../elements/registry';
import type { Credentials } from '../elements/types';
import type { AuthenticateInput } from '../workflows/types';
import { toFailure } from './failures';

export async function authenticate(input: AuthenticateInput): Promise<Credentials | undefined> {
  const adapter = elementAdapter(input.elementKey);
  if (!adapter) throw ApplicationFailure.nonRetryable(`unknown element ${input.elementKey}`, 'ConfigurationError');
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
}
