/** Account settings (`notification.webhook.failure.policy`), kept by one long-lived workflow. */
import { condition, continueAsNew, setHandler, workflowInfo, allHandlersFinished } from '@temporalio/workflow';
import { DEFAULT_ACCOUNT_SETTINGS, type AccountInput, type AccountSettings } from '../contract/delivery';
import { accountSettings, updateAccountSettings } from '../contract/messages';

export async function accountWorkflow(input: AccountInput = {}): Promise<void> {
  const settings: AccountSettings = { ...DEFAULT_ACCOUNT_SETTINGS, ...input.settings };
  setHandler(accountSettings, () => settings);
  setHandler(
    updateAccountSettings,
    (patch) => Object.assign(settings, patch),
    {
      validator: (patch) => {
        const policy = patch['notification.webhook.failure.policy'];
        if (policy !== undefined && policy !== 'retry' && policy !== 'queue') {
          throw new Error("notification.webhook.failure.policy must be 'retry' or 'queue'");
        }
      },
    },
  );
  await condition(() => workflowInfo().continueAsNewSuggested);
  await condition(allHandlersFinished);
  await continueAsNew<typeof accountWorkflow>({ settings });
}
