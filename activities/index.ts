/** The activities the instance workflow runs. */
export { pollPage } from './pollPage';
export { authenticate } from './authenticate';
