/**
 * Failure types that cross from activities to workflows: the activity throws an ApplicationFailure of this type,
 * the workflow's retry policy and its decisions read it.
 */
export const FailureType = {
  /** The provider refused the credentials (after one refresh): not retried until the configuration changes. */
  auth: 'AuthError',
  /** The provider answered a 4xx other than 401/429: the resource fails this poll. */
  providerRequest: 'ProviderRequestError',
  /** 429, 5xx or no answer: retried with backoff (the provider's Retry-After when it sends one). */
  providerUnavailable: 'ProviderUnavailable',
  /** The instance names something the worker does not know (an element). */
  configuration: 'ConfigurationError',
  /** The callback did not answer 2xx; retried on the delivery schedule. */
  deliveryFailed: 'DeliveryFailed',
  /** The callback answered 410 Gone: the subscription is deactivated at once. */
  callbackGone: 'CallbackGone',
  /** The callback URL is not allowed by the address policy. */
  callbackRefused: 'CallbackRefused',
  /** The callback's subscription holds as much as it may: records wait at the provider. */
  backlogFull: 'SubscriptionBacklogFull',
  /** A notification too large for the retry queue could not be delivered directly: its records wait at the provider. */
  notificationTooLarge: 'NotificationTooLarge',
  /** A rewind the instance refused (its details: the issues, each naming its field). */
  invalidCheckpoints: 'InvalidCheckpoints',
} as const;

export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/**
 * A query the worker refused because it would have answered from a run brought up to date under a stale clock
 * (workflows/interceptors.ts). Nothing is wrong with the instance: the same query succeeds once its next workflow
 * task has run, seconds later.
 */
export const STALE_QUERY_MESSAGE = 'stale activation: a query saw events no workflow task has yet';
