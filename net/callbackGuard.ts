/**
 * The callback side of the outbound address policy (net/outboundGuard.ts), under the names the API
 * and the delivery activity have always used.
 */
import type { Agent } from 'undici';
import { checkOutboundUrl, guardedDispatcher, privateAllowed, type PolicyOptions } from './outboundGuard';

export { CallbackRefused, type Lookup } from './outboundGuard';
export { isPrivateAddress } from './addressPolicy';

export const privateCallbacksAllowed = (env: NodeJS.ProcessEnv = process.env): boolean => privateAllowed('callback', env);

/** Throws CallbackRefused when the callback URL is not http(s) or reaches a non-public address. */
export const checkCallbackUrl = (url: string, options: PolicyOptions = {}): Promise<void> => checkOutboundUrl(url, 'callback', options);

/** The dispatcher for deliveries: every connection checked against the callback policy. */
export const guardedAgent = (allowPrivate?: boolean): Agent => guardedDispatcher('callback', { allowPrivate });
