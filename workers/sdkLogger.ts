/**
 * The Temporal SDK's log (worker, activity and workflow loggers, and the core's forwarded lines) through Pollster's
 * pino logger: one line per entry, its error as one line of text. The SDK's own "Activity failed" entry, which
 * carries the stack, goes to debug: the activity log interceptor (activityLog.ts) prints the failure's line.
 */
import type { LogLevel, LogMetadata, Logger as SdkLoggerInterface } from '@temporalio/common';
import type { Logger } from '../log/logger';
import { errorText } from '../log/errorText';

type PinoLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

const LEVELS: Record<LogLevel, PinoLevel> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/** SDK entries that say what Pollster's own lines already say. */
const TO_DEBUG = new Set(['Activity failed', 'Worker state changed', 'No Nexus services registered, not polling for Nexus tasks']);

/** Attributes that place an entry (kept in the JSON fields) but read as noise in a line. */
const CONTEXT = new Set(['sdkComponent', 'namespace', 'taskQueue', 'workflowId', 'runId', 'workflowRunId', 'workflowType', 'taskToken', 'activityId', 'activityType', 'activityRunId', 'isLocal', 'attempt', 'durationMs', 'target', 'spanContexts', 'updateId', 'updateName']);

export interface SdkLine {
  level: PinoLevel;
  text: string;
  fields: Record<string, unknown>;
}

const isErrorLike = (value: unknown): boolean => value instanceof Error || (typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string' && 'stack' in value);

function valueText(value: unknown): string {
  if (isErrorLike(value)) return errorText(value);
  if (typeof value === 'string') return value;
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 200 ? `${json.slice(0, 199)}…` : json;
}

export function sdkLine(level: LogLevel, message: string, meta: LogMetadata = {}): SdkLine {
  const { taskToken: _taskToken, error, ...rest } = meta as Record<string, unknown>;
  const fields: Record<string, unknown> = { ...rest, ...(error !== undefined ? { err: error } : {}) };
  const details = Object.entries(meta as Record<string, unknown>)
    .filter(([key, value]) => !CONTEXT.has(key) && value !== undefined)
    .map(([key, value]) => `${key}: ${valueText(value)}`);
  const where = [rest.workflowId, rest.activityType].filter((part): part is string => typeof part === 'string' && part !== '').join(' ');
  const text = `${where ? `${where}: ` : ''}${message}${details.length > 0 ? ` (${details.join(', ')})` : ''}`;
  return { level: TO_DEBUG.has(message) ? 'debug' : LEVELS[level], text, fields };
}

/** Runtime.install({ logger }) takes this. */
export class SdkLogger implements SdkLoggerInterface {
  constructor(private readonly out: Logger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const line = sdkLine(level, message, meta);
    this.out[line.level](line.fields, line.text);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
