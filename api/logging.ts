/**
 * The API's log: the process logger (LOG_FORMAT, LOG_LEVEL) with the Authorization header redacted and the codec
 * path key masked in URLs. Requests are logged at debug, one line each: the console asks every few seconds, and a
 * terminal at info shows what happened (polls, failures), not who asked.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { createLogger, type CreateLoggerOptions, type Logger } from '../log/logger';
import { errorText } from '../log/errorText';
import { codecSafeRequest, maskCodecPathKey } from './routes/codec';

export function apiLogger(env: NodeJS.ProcessEnv = process.env, destination?: CreateLoggerOptions['destination']): Logger {
  return createLogger('api', { env, destination, pino: { redact: ['req.headers.authorization'], serializers: { req: codecSafeRequest } } });
}

/** Fastify's request lines, one per request at debug (an error while answering: one line at warn). */
export class RequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = `${request.method} ${maskCodecPathKey(request.url)} → ${reply.statusCode} (${Math.round(reply.elapsedTime)} ms)`;
    const fields = { req: request, res: { statusCode: reply.statusCode }, responseTime: reply.elapsedTime };
    if (error) reply.log.warn({ ...fields, err: error }, `${line}: ${errorText(error)}`);
    else reply.log.debug(fields, line);
  }
}
