// A provider error as the API words it, taken apart for display. Pure (no DOM), so the unit tests run it in Node.
//
// A provider error names the request it failed on and what to check: `<what happened> (<METHOD> <url>); <hint>`.
// The console shows what happened and the hint first, and the request on a line of its own, small.

const WITH_REQUEST = /^([\s\S]*?) \(((?:GET|POST|PUT|PATCH|DELETE|HEAD) \S+)\)(?:; ([\s\S]*))?$/;

/** `{ what, request, hint }` when the text names its request (hint '' when none is given), else null. */
export function splitRequest(text) {
  const m = WITH_REQUEST.exec(text);
  if (!m) return null;
  const [, what, request, hint = ''] = m;
  return { what, request, hint };
}

/** What happened and what to check, without the request (the list's brief form); other text as it is. */
export function withoutRequest(text) {
  const parts = splitRequest(text);
  return parts ? `${parts.what}${parts.hint ? `; ${parts.hint}` : ''}` : text;
}
