/**
 * The process logger of the worker, the API and `npm start`'s own notes: pino, with the message as the whole human
 * line. In the `pretty` format (pino-pretty, synchronous) a line is time, level, process and message; the fields
 * stay in the `json` format only, for machines. Stack traces print at debug and at error, never with a warning.
 */
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { isColorSupported, prettyFactory } from 'pino-pretty';
import { logSettings } from './settings';

export type { Logger } from 'pino';

const DEBUG = 20;
const ERROR = 50;

/** The human line: the message, and an error's stack below it at debug (or lower) and at error (or higher). */
export function prettyMessage(log: Record<string, unknown>, messageKey: string): string {
  const text = String(log[messageKey] ?? '');
  const level = Number(log.level);
  const stack = (log.err as { stack?: unknown } | undefined)?.stack;
  if (typeof stack !== 'string' || (level > DEBUG && level < ERROR)) return text;
  return `${text}\n${stack.replace(/^/gm, '    ')}`;
}

export interface CreateLoggerOptions {
  env?: NodeJS.ProcessEnv;
  /** Where lines go; stdout (synchronously, so nothing is lost at exit) by default. */
  destination?: { write(line: string): unknown };
  /** More pino options (redaction, serializers). */
  pino?: LoggerOptions;
}

export function createLogger(name: string, options: CreateLoggerOptions = {}): Logger {
  const { format, level } = logSettings(options.env);
  const out = options.destination ?? pino.destination({ dest: 1, sync: true });
  const base: LoggerOptions = { ...options.pino, name, level };
  if (format === 'json') return pino(base, out as DestinationStream);
  const prettify = prettyFactory({
    colorize: options.destination === undefined && isColorSupported,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname',
    hideObject: true,
    messageFormat: prettyMessage,
  });
  return pino(base, { write: (line: string) => out.write(prettify(line)) });
}
