/**
 * What the committed histories in test/histories were recorded with. The key is a test key, public
 * on purpose: recorded payloads hold only fake instances, and replay must decrypt them.
 */
import { fileURLToPath } from 'node:url';

export const REPLAY_ENCRYPTION_KEY = Buffer.from('pollster-replay-histories-test-k', 'utf8').toString('base64');

export const HISTORIES_DIR = fileURLToPath(new URL('../histories', import.meta.url));

/** Environment for a data converter that reads the recorded payloads (temporal/codec.ts dataConverterFromEnv). */
export const replayEnv = (): NodeJS.ProcessEnv => ({ POLLSTER_ENCRYPTION_KEY: REPLAY_ENCRYPTION_KEY });
