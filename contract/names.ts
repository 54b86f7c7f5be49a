/**
 * The names the API, the workflows and the activities agree on: the task queue, workflow types and ids.
 * Pure: the workflow bundle imports it. The subscription id, a hash of its URL, is in ./subscriptionId.ts.
 */
export const TASK_QUEUE = 'pollster';

export const WorkflowType = {
  instance: 'instanceWorkflow',
  subscription: 'subscriptionWorkflow',
  account: 'accountWorkflow',
  replay: 'replayWorkflow',
} as const;

/** One workflow per element instance. */
export const instanceWorkflowId = (id: number | string): string => `instance-${id}`;

/** A replay of an instance's past window: its own workflow, apart from the instance's (ids are the API's: hex). */
export const replayWorkflowId = (instanceId: number | string, replayId: string): string => `replay-${instanceId}-${replayId}`;

/** One workflow per callback URL, named by the URL's hash (see ./subscriptionId.ts). */
export const subscriptionWorkflowIdOf = (urlHash: string): string => `subscription-${urlHash}`;

/** The account's settings (the delivery failure policy). */
export const ACCOUNT_WORKFLOW_ID = 'pollster-account';
