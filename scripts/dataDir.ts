/**
 * The data dir of `npm start` (secrets, the dev server's SQLite file, the workflow bundle) is the
 * owner's alone: the dir 0700, its files 0600. Files made later by `npm start` and its children
 * (the SQLite file and its journal) follow from the umask it sets for itself and them.
 */
import { chmodSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Group and others get nothing: new dirs 0700, new files 0600. */
export const PRIVATE_UMASK = 0o077;

/** Creates `dir` owner-only, and makes it and the files already in it owner-only (a data dir from before this rule). */
export function prepareDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile()) chmodSync(join(dir, entry.name), 0o600);
  }
}
