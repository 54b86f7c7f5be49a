/** A problem in a request, named by the path of the field it is about: what every 400 carries. */
import type { z } from 'zod';

export interface Issue {
  path: string;
  message: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; issues: Issue[] };

/** `configuration['event.poller.configuration'].contacts.url`: readable, and unambiguous for dotted keys. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((step, i) => {
      if (typeof step === 'number') return `[${step}]`;
      const s = String(step);
      if (/^[A-Za-z_$][\w$]*$/.test(s)) return i === 0 ? s : `.${s}`;
      return `['${s.replace(/'/g, "\\'")}']`;
    })
    .join('');
}

export function zodIssues(error: z.ZodError): Issue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}
