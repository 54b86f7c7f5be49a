export { instanceWorkflow } from './instance';
