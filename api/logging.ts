/**
 * The API's log: the process logger (LOG_FORMAT, LOG_LEVEL) with the Authorization header redacted, and in URLs the
 * codec path key and the values of secret-looking query parameters masked (`GET …/oauth/url` takes the OAuth2
 * client's `apiSecret` in its query). Requests are logged at debug, one line each: the console asks every few
 * seconds, and a terminal at info shows what happened (polls, failures), not who asked.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { createLogger, type CreateLoggerOptions, type Logger } from '../log/logger';
import { errorText } from '../log/errorText';
import { codecSafeRequest, maskCodecPathKey } from './routes/codec';

const SECRET_PARAM = /secret|password|passwd|token|key|code|signature|credential|auth/i;

/** A request URL as the log shows it. */
export function loggableUrl(url: string): string {
  const masked = maskCodecPathKey(url);
  const at = masked.indexOf('?');
  if (at < 0) return masked;
  const query = masked
    .slice(at + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // a malformed name is masked as it is written
      }
      return eq >= 0 && SECRET_PARAM.test(decoded) ? `${name}=***` : pair;
    })
    .join('&');
  return `${masked.slice(0, at)}?${query}`;
}

const safeRequest = (request: FastifyRequest): Record<string, unknown> => ({ ...codecSafeRequest(request), url: loggableUrl(request.url) });

export function apiLogger(env: NodeJS.ProcessEnv = process.env, destination?: CreateLoggerOptions['destination']): Logger {
  return createLogger('api', { env, destination, pino: { redact: ['req.headers.authorization'], serializers: { req: safeRequest } } });
}

/** Fastify's request lines, one per request at debug (an error while answering: one line at warn). */
export class RequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = `${request.method} ${loggableUrl(request.url)} → ${reply.statusCode} (${Math.round(reply.elapsedTime)} ms)`;
    const fields = { req: request, res: { statusCode: reply.statusCode }, responseTime: reply.elapsedTime };
    if (error) reply.log.warn({ ...fields, err: error }, `${line}: ${errorText(error)}`);
    else reply.log.debug(fields, line);
  }
}
