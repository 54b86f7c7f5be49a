// The new-instance form kept in this tab (sessionStorage) while the browser is at an OAuth2 provider,
// so the form comes back filled in with the provider's code.

const DRAFT = 'pollster.draft';

export function loadDraft() {
  try {
    return JSON.parse(sessionStorage.getItem(DRAFT) ?? 'null');
  } catch {
    return null;
  }
}

export const saveDraft = (draft) => sessionStorage.setItem(DRAFT, JSON.stringify(draft));
export const clearDraft = () => sessionStorage.removeItem(DRAFT);

/** What the form holds, section by section (`sections` as the form builds them). */
export function draftOf(state, { element, auth, schedule, resources }) {
  return { elementKey: state.element.key, ...element.values(), values: auth.values(), ...schedule.values(), poller: resources.editor.value };
}

/** Fills the sections from a draft (the element is already chosen: `draft.elementKey`). */
export function restoreDraft({ element, auth, schedule, resources }, draft) {
  element.restore(draft);
  auth.restore(draft.values);
  schedule.restore(draft);
  resources.load(draft.poller ?? '{}');
}
