/** Dev credentials for the embedded default: generated once into the data dir, unless the environment sets them. */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DevSecrets {
  POLLSTER_USER_SECRET: string;
  POLLSTER_ORGANIZATION_SECRET: string;
  POLLSTER_ENCRYPTION_KEY: string;
}

export function loadOrCreateSecrets(dataDir: string, env: NodeJS.ProcessEnv): { secrets: DevSecrets; file: string; created: boolean } {
  const file = join(dataDir, 'secrets.json');
  const stored: Partial<DevSecrets> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const secrets: DevSecrets = {
    POLLSTER_USER_SECRET: env.POLLSTER_USER_SECRET || stored.POLLSTER_USER_SECRET || randomBytes(18).toString('base64url'),
    POLLSTER_ORGANIZATION_SECRET: env.POLLSTER_ORGANIZATION_SECRET || stored.POLLSTER_ORGANIZATION_SECRET || randomBytes(18).toString('base64url'),
    POLLSTER_ENCRYPTION_KEY: env.POLLSTER_ENCRYPTION_KEY || stored.POLLSTER_ENCRYPTION_KEY || randomBytes(32).toString('base64'),
  };
  const created = JSON.stringify(stored) !== JSON.stringify({ ...stored, ...secrets });
  if (created) writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  return { secrets, file, created };
}
