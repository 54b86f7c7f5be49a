/** Dev credentials for the embedded default: generated once into the data dir, unless the environment sets them. */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DevSecrets {
  POLLSTER_USER_SECRET: string;
  POLLSTER_ORGANIZATION_SECRET: string;
  POLLSTER_ENCRYPTION_KEY: string;
}

const GENERATORS: Record<keyof DevSecrets, () => string> = {
  POLLSTER_USER_SECRET: () => randomBytes(18).toString('base64url'),
  POLLSTER_ORGANIZATION_SECRET: () => randomBytes(18).toString('base64url'),
  POLLSTER_ENCRYPTION_KEY: () => randomBytes(32).toString('base64'),
};

/**
 * The environment wins and is never written down; a value neither the environment nor the file has is
 * generated and stored (`created` says so, so it is printed once).
 */
export function loadOrCreateSecrets(dataDir: string, env: NodeJS.ProcessEnv): { secrets: DevSecrets; file: string; created: boolean } {
  const file = join(dataDir, 'secrets.json');
  const stored: Partial<DevSecrets> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  let created = false;
  const secrets = {} as DevSecrets;
  for (const name of Object.keys(GENERATORS) as (keyof DevSecrets)[]) {
    const fromEnv = env[name];
    if (fromEnv) {
      secrets[name] = fromEnv;
      continue;
    }
    if (!stored[name]) {
      stored[name] = GENERATORS[name]();
      created = true;
    }
    secrets[name] = stored[name]!;
  }
  if (created) writeFileSync(file, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600 });
  return { secrets, file, created };
}
