/** Where the workflows are: what the SDK bundles (workers, the bundle script, the replay test). Apart so the bundle script loads no activity code. */
import { fileURLToPath } from 'node:url';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
