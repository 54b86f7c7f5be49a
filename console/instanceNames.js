// Instance names for views that know only instance ids (deliveries). GET /instances lists the running
// instances; an id it does not list (visibility lags a new instance by a moment) is read on its own.

import { api, ApiError, mapLimit } from './api.js';

/** id → name, or null for an instance that no longer exists; ids that could not be read are left out. */
export async function instanceNames(ids) {
  const names = new Map();
  const wanted = [...new Set(ids.map(Number))];
  if (wanted.length === 0) return names;
  try {
    for (const i of await api('GET', '/instances')) names.set(i.id, i.name);
  } catch {
    // Read the ones needed one by one below.
  }
  const missing = wanted.filter((id) => !names.has(id));
  const read = await mapLimit(missing, 4, (id) => api('GET', `/instances/${id}`));
  missing.forEach((id, n) => {
    const r = read[n];
    if (r.ok) names.set(id, r.value.name);
    else if (r.error instanceof ApiError && r.error.status === 404) names.set(id, null);
  });
  return names;
}
