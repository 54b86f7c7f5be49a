/** A bound on dry runs running at once in one API process: each holds provider connections for up to its time limit. */
import { ApiError } from '../errors';

export const MAX_DRY_RUNS_IN_FLIGHT = 8;

export function inFlightLimit(max = MAX_DRY_RUNS_IN_FLIGHT): <T>(work: () => Promise<T>) => Promise<T> {
  let running = 0;
  return async (work) => {
    if (running >= max) throw new ApiError(429, `${max} dry runs are running in this API process already: try again when one has finished`);
    running++;
    try {
      return await work();
    } finally {
      running--;
    }
  };
}
