/**
 * How Pollster's workflows are bundled, in one place for every bundle (the worker's, the prebuilt file, the tests and
 * the replay suite). Apart from workers/worker.ts so the bundle script loads no activity code.
 */
import { fileURLToPath } from 'node:url';
import type { BundleOptions } from '@temporalio/worker';
import { failureConverterPath } from '../temporal/codec';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
/** Bundled with the workflows: the stale-clock guard (workflows/interceptors.ts). */
export const workflowInterceptorsPath = fileURLToPath(new URL('../workflows/interceptors.ts', import.meta.url));

/**
 * The workflow modules are preloaded: evaluated once when the worker loads the bundle and shared (frozen) by every
 * workflow it runs, instead of evaluated again for each one. They hold no module-level state, so sharing them is
 * safe, and a cached instance then costs only its own state (bench B3, B2-wide). Failures are encoded by the codec.
 */
export const workflowBundleOptions: Pick<BundleOptions, 'workflowsPath' | 'preloadModules' | 'failureConverterPath' | 'workflowInterceptorModules'> = {
  workflowsPath,
  preloadModules: [workflowsPath],
  workflowInterceptorModules: [workflowInterceptorsPath],
  failureConverterPath,
};
