/** Account settings (`notification.webhook.failure.policy`), kept by one long-lived workflow. */
import { condition, continueAsNew, setHandler, workflowInfo, allHandlersFinished } from '@temporalio/workflow';
import { accountSettings, updateAccountSettings } from './messages';
import type { AccountSettings } from './deliveryTypes';

export const DEFAULT_ACCOUNT_SETTINGS: AccountSettings = { 'notification.webhook.failure.policy': 'retry' };

export async function accountWorkflow(input: { settings?: AccountSettings } = {}): Promise<void> {
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
