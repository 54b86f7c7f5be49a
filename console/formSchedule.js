// Section 3 of the instance form: events on or off, where notifications go (callback URL, signature
// key), how often to poll (the refresh interval: a slider and a number), and what (the resources).

import { h, uid } from './dom.js';
import { field, registerField } from './formField.js';
import { POLLER_DEFAULT_INTERVAL, POLLER_KEY } from './formState.js';

const MIN_INTERVAL = 1 / 60; // one second, in minutes: the shortest interval the API takes
const SLIDER_MAX = 120;
const CALLBACK = 'event.notification.callback.url';
const SIGNATURE = 'event.notification.signature.key';
const INTERVAL = 'event.poller.refresh_interval';

export function scheduleSection(state, resources) {
  const eventsToggle = h('input', { type: 'checkbox', id: uid('events') });
  const callbackInput = h('input', { type: 'text', inputmode: 'url', id: uid('callback'), autocomplete: 'off', placeholder: 'https://example.com/hooks/pollster' });
  const intervalNumber = h('input', { type: 'number', id: uid('interval'), min: String(MIN_INTERVAL.toFixed(4)), step: 'any', class: 'narrow' });
  const intervalSlider = h('input', { type: 'range', min: '1', max: String(SLIDER_MAX), step: '1', 'aria-label': 'Refresh interval slider (minutes)' });
  const signatureInput = h('input', { type: 'password', id: uid('signature'), autocomplete: 'new-password' });

  const intervalHintId = uid('hint');
  const intervalField = h(
    'div',
    { class: 'field' },
    h('label', { for: intervalNumber.id, text: 'Refresh interval (minutes)' }),
    h('div', { class: 'interval' }, intervalSlider, intervalNumber),
    h('p', { class: 'hint', id: intervalHintId, text: 'How often to poll. The slider covers 1–120 minutes; type any value of at least one second (0.0167) in the box.' }),
  );
  // The slider and the box share one error.
  registerField(state, INTERVAL, intervalNumber, intervalField, [intervalHintId]);

  const body = h(
    'div',
    { class: 'events-body' },
    field(state, CALLBACK, 'Event notification callback URL', callbackInput, { required: true, hint: 'Pollster POSTs each notification here.' }),
    intervalField,
    field(state, SIGNATURE, 'Callback signature key (optional)', signatureInput, { hint: 'Signs each notification: Elements-Webhook-Signature: sha256=… (HMAC-SHA256 of the body).' }),
    resources.root,
  );

  const root = h(
    'fieldset',
    {},
    h('legend', { text: '3. Events' }),
    field(state, 'event.notification.enabled', 'Enable events (poll the element and send notifications)', eventsToggle),
    body,
  );

  intervalSlider.addEventListener('input', () => {
    intervalNumber.value = intervalSlider.value;
  });
  intervalNumber.addEventListener('input', () => {
    const n = Number(intervalNumber.value);
    if (Number.isFinite(n)) intervalSlider.value = String(Math.min(SLIDER_MAX, Math.max(1, Math.round(n))));
  });
  const showBody = () => {
    body.hidden = !eventsToggle.checked;
  };
  eventsToggle.addEventListener('change', showBody);

  function setIntervalValue(value) {
    intervalNumber.value = String(value);
    intervalNumber.dispatchEvent(new Event('input'));
  }

  return {
    root,
    enabled: () => eventsToggle.checked,
    values: () => ({ events: eventsToggle.checked, callback: callbackInput.value, interval: intervalNumber.value, signature: signatureInput.value }),
    /** `{ events, callback, interval, signature }`, as `values()` gives them. */
    restore(s) {
      eventsToggle.checked = Boolean(s.events);
      callbackInput.value = s.callback ?? '';
      setIntervalValue(s.interval ?? POLLER_DEFAULT_INTERVAL);
      signatureInput.value = s.signature ?? '';
      showBody();
    },
    /** The events keys of the configuration; the resources are `pollerValue`. */
    configuration(pollerValue) {
      const cfg = { 'event.notification.enabled': eventsToggle.checked };
      if (eventsToggle.checked) {
        cfg[CALLBACK] = callbackInput.value.trim();
        cfg[INTERVAL] = intervalNumber.value.trim();
        if (signatureInput.value !== '') cfg[SIGNATURE] = signatureInput.value;
        else if (state.editing && state.current[SIGNATURE] !== undefined) cfg[SIGNATURE] = null;
        cfg[POLLER_KEY] = pollerValue;
      }
      return cfg;
    },
    /** The callback URL and the interval (the resources check themselves). */
    clientErrors() {
      const errors = [];
      const url = callbackInput.value.trim();
      if (!url) errors.push({ field: CALLBACK, message: 'Callback URL: required when events are enabled' });
      else if (!/^https?:\/\/[^\s/]+/i.test(url)) errors.push({ field: CALLBACK, message: 'Callback URL: expected an absolute http(s) URL' });
      const minutes = Number(intervalNumber.value);
      if (intervalNumber.value.trim() === '' || !Number.isFinite(minutes) || minutes < MIN_INTERVAL - 1e-9) {
        errors.push({ field: INTERVAL, message: 'Refresh interval: a number of minutes, at least 1 second (0.0167)' });
      }
      return errors;
    },
  };
}
