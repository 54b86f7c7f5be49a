/** An instance's health, derived from what its polls and its callback's subscription left in its state. */
import type { Health, HealthState, InstanceState } from '../contract/instance';

/** Enough state to judge: the last poll, each resource's last error, the credentials, and how delivery goes. */
export function judgeHealth(state: InstanceState, resourceNames: readonly string[], callbackUrl: string | undefined, nowMs: number): Health {
  const failing: string[] = [];
  const degraded: string[] = [];
  if (state.authError) failing.push(`the provider refused the credentials: ${state.authError} (check them, then save the instance again)`);
  const failed = resourceNames.filter((name) => state.resources[name]?.lastError !== undefined);
  if (!state.authError && failed.length > 0) {
    const lines = failed.map((name) => `${name}: ${state.resources[name]!.lastError}`);
    if (failed.length === resourceNames.length) failing.push(...lines);
    else degraded.push(...lines);
  }
  const delivery = callbackUrl ? state.delivery?.[callbackUrl] : undefined;
  if (delivery?.state === 'deactivated') failing.push(`deliveries to ${callbackUrl} are stopped: ${delivery.lastError ?? 'the last retry failed'} (fix the receiver, then redeliver)`);
  if (delivery?.state === 'retrying') degraded.push(`deliveries to ${callbackUrl} are being retried: ${delivery.lastError ?? 'the receiver failed'}`);
  if ((state.lastRun?.problems ?? 0) > 0) degraded.push(`${state.lastRun!.problems} record(s) with a missing id or an unreadable date in the last poll`);
  const value: HealthState = failing.length > 0 ? 'failing' : degraded.length > 0 ? 'degraded' : 'healthy';
  const reasons = [...failing, ...degraded];
  const previous = state.health;
  const since = previous && previous.state === value ? previous.since : new Date(nowMs).toISOString();
  return { state: value, reasons, since };
}
