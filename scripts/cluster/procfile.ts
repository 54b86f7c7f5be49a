/** deploy/Procfile: how Pollster's worker and API are started, read by `npm run cluster` so the shipped file is the one it runs. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const PROCFILE = fileURLToPath(new URL('../../deploy/Procfile', import.meta.url));

/** `name: command` lines (comments and blank lines skipped), each command split on spaces: no shell features. */
export function parseProcfile(text: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z0-9_-]+):\s*(.+?)\s*$/.exec(line);
    if (m) out[m[1]!] = m[2]!.split(/\s+/);
  }
  return out;
}

export function procfileCommand(name: 'worker' | 'api', file = PROCFILE): string[] {
  const command = parseProcfile(readFileSync(file, 'utf8'))[name];
  if (!command) throw new Error(`${file} has no '${name}:' line`);
  return command;
}
