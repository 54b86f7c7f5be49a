/** The API's log: pino JSON lines, the Authorization header redacted, the codec path key masked in URLs. */
import { codecSafeRequest } from './routes/codec';

export function apiLoggerOptions(level = 'info') {
  return { level, redact: ['req.headers.authorization'], serializers: { req: codecSafeRequest } };
}
