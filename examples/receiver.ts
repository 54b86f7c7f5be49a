/**
 * A webhook receiver for Pollster's notifications: verifies both signatures, drops repeats by
 * `Elements-Webhook-Id`, and prints each event with its record.
 *
 * - With a signature key, a notification whose signatures do not match is answered 401 (Pollster
 *   then retries it, as it would any failed delivery). Without a key, nothing is verified.
 * - Any 2xx within 30 s is success for Pollster; `status` (default 200) lets you answer otherwise
 *   to watch retries and queueing.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { verifyElementsSignature, verifyStandardWebhook } from './signatures';

interface Notification {
  id: string;
  message: {
    instanceId: number;
    instanceName: string;
    raw: { objectType: string; [resource: string]: unknown };
    events: { objectType: string; objectId: string; eventType: string; date: string; pollDate: string }[];
  };
}

export interface ReceiverOptions {
  port: number;
  host?: string;
  /** The instance's `event.notification.signature.key`; undefined: do not verify. */
  signatureKey?: string;
  /** The HTTP status to answer every notification with. */
  status?: number;
  /** Ids of the notifications processed (shared by the receiver's restarts within one run). */
  seen?: Set<string>;
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

export function startReceiver(options: ReceiverOptions): Promise<Server> {
  const status = options.status ?? 200;
  const seen = options.seen ?? new Set<string>();
  const log = (line: string): void => console.log(`receiver      ${line}`);

  const server = createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      // Verify the bytes as received: parsing and re-serialising would change them.
      const raw = Buffer.concat(chunks);
      const id = header(req, 'elements-webhook-id') ?? '(no Elements-Webhook-Id)';
      let verdict = 'signatures not checked (no EXAMPLE_SIGNATURE_KEY)';
      if (options.signatureKey !== undefined) {
        const elements = verifyElementsSignature(options.signatureKey, raw, header(req, 'elements-webhook-signature'));
        const standard = verifyStandardWebhook(
          options.signatureKey,
          { id: header(req, 'webhook-id'), timestamp: header(req, 'webhook-timestamp'), signature: header(req, 'webhook-signature') },
          raw,
        );
        verdict = `Elements-Webhook-Signature ${elements ? 'ok' : 'WRONG'}, webhook-signature ${standard ? 'ok' : 'WRONG'}`;
        if (!elements || !standard) {
          log(`notification ${id}: ${verdict}; answered 401`);
          res.writeHead(401).end();
          return;
        }
      }
      let body: Notification;
      try {
        body = JSON.parse(raw.toString('utf8')) as Notification;
        if (typeof body?.id !== 'string' || !Array.isArray(body.message?.events)) throw new Error('not a notification');
      } catch {
        log(`notification ${id}: not a Pollster notification (JSON with id and message.events); answered 400`);
        res.writeHead(400).end();
        return;
      }
      if (status < 200 || status > 299) {
        log(`notification ${id}: ${verdict}; answered ${status} (EXAMPLE_RECEIVER_STATUS)`);
        res.writeHead(status).end();
        return;
      }
      // A retried notification carries the same id: process it once.
      if (seen.has(body.id)) {
        log(`notification ${id}: already processed; answered ${status}`);
        res.writeHead(status).end();
        return;
      }
      seen.add(body.id);
      const { message } = body;
      log(`notification ${id} from instance ${message.instanceId} (${message.instanceName}): ${verdict}`);
      const records = message.raw[message.raw.objectType];
      message.events.forEach((event, i) => {
        const record = Array.isArray(records) ? records[i] : undefined;
        log(`  ${event.eventType.padEnd(7)} ${event.objectType}/${event.objectId}  date ${event.date}  ${JSON.stringify(record)}`);
      });
      res.writeHead(status).end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve(server));
  });
}
