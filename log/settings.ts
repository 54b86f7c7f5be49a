/**
 * How a process logs, from the environment: LOG_FORMAT (`pretty`, the default: one readable line per entry, or `json`:
 * pino's JSON lines, for deployments that collect logs) and LOG_LEVEL (pino's levels; `info` by default).
 * A bad value stops the process at start, naming the variable.
 */
export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

export interface LogSettings {
  format: LogFormat;
  level: LogLevelName;
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new Error(`${name} must be one of ${allowed.join(', ')}, got '${env[name]}'`);
  return raw as T;
}

export function logSettings(env: NodeJS.ProcessEnv = process.env): LogSettings {
  return { format: oneOf(env, 'LOG_FORMAT', LOG_FORMATS, 'pretty'), level: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info') };
}
