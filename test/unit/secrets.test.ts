import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateSecrets } from '../../scripts/secrets';

test('dev secrets: generated once, kept, and never overwritten by the environment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pollster-secrets-'));
  try {
    const first = loadOrCreateSecrets(dir, {});
    assert.equal(first.created, true);
    assert.equal(Buffer.from(first.secrets.POLLSTER_ENCRYPTION_KEY, 'base64').length, 32);
    const again = loadOrCreateSecrets(dir, {});
    assert.equal(again.created, false);
    assert.deepEqual(again.secrets, first.secrets);
    const fromEnv = loadOrCreateSecrets(dir, { POLLSTER_ENCRYPTION_KEY: 'ZW52LWtleQ==' });
    assert.equal(fromEnv.created, false);
    assert.equal(fromEnv.secrets.POLLSTER_ENCRYPTION_KEY, 'ZW52LWtleQ==');
    assert.equal(JSON.parse(readFileSync(first.file, 'utf8')).POLLSTER_ENCRYPTION_KEY, first.secrets.POLLSTER_ENCRYPTION_KEY, 'the file keeps the generated key');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
