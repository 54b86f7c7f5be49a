// Retry now: a pending notification, or every pending one a `where` selects, is tried at once (after the ones
// ahead of it in its callback's queue; a deactivated subscription is reactivated). Used by the deliveries page and
// the instance page's notifications.

import { api, quote } from './api.js';
import { announce, errorText, h } from './dom.js';
import { plural } from './format.js';

/** Retries one notification now; announces the outcome. Resolves to true when it was pending. */
export async function retryNotification(id) {
  try {
    await api('POST', `/notifications/subscriptions/deliveries/${encodeURIComponent(id)}/retry`);
    announce(`Retrying notification ${id.slice(0, 12)}… now.`);
    return true;
  } catch (err) {
    announce(err.status === 404 ? `Notification ${id.slice(0, 12)}… is no longer pending.` : `Retry failed: ${errorText(err)}`, err.status === 404 ? 'info' : 'error');
    return false;
  }
}

/** Retries now every pending notification to `callback` (all callbacks when none is given). */
export async function retryCallback(callback) {
  const where = [`channel='webhook'`, callback ? `config.url=${quote(callback)}` : null].filter(Boolean).join(' and ');
  try {
    const retried = await api('POST', `/notifications/subscriptions/deliveries/retry?${new URLSearchParams({ where })}`);
    announce(retried.length ? `Retrying ${plural(retried.length, 'notification')}${callback ? ` to ${callback}` : ''} now.` : 'Nothing pending to retry.');
  } catch (err) {
    announce(`Retry failed: ${errorText(err)}`, 'error');
  }
}

/** A "Retry now" button for one pending notification; `after` runs once the request is answered. */
export function retryButton(id, after, label = 'Retry now') {
  return h('button', {
    type: 'button',
    class: 'small',
    text: label,
    'aria-label': `Retry notification ${id} now`,
    onclick: async (e) => {
      e.currentTarget.disabled = true;
      await retryNotification(id);
      after();
    },
  });
}
