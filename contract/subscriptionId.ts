/** A callback URL's subscription workflow id: `subscription-<first 24 hex of sha256(url)>`. Node only (workflows never need it). */
import { createHash } from 'node:crypto';
import { subscriptionWorkflowIdOf } from './names';

export function subscriptionWorkflowId(callbackUrl: string): string {
  return subscriptionWorkflowIdOf(createHash('sha256').update(callbackUrl).digest('hex').slice(0, 24));
}
