export { instanceWorkflow } from './instance';
export { subscriptionWorkflow } from './subscription';
export { accountWorkflow } from './account';
export { replayWorkflow } from './replay';
