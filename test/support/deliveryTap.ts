/**
 * Which worker process is delivering right now: an HTTP pass-through in front of a receiver that knows the
 * client port of every request in flight, and the kernel's socket tables (/proc, Linux) that say which
 * process owns that port. A test can then SIGKILL exactly the worker whose delivery is in flight, and see
 * the request cut off when it dies.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TappedRequest {
  /** The sender's port: its socket's local port. */
  clientPort: number;
  arrivedAt: number;
  /** The sender went away before the answer (its process died). */
  cutOff: boolean;
  answered: boolean;
}

export interface DeliveryTap {
  url: string;
  requests: TappedRequest[];
  inFlight(): TappedRequest[];
  close(): Promise<void>;
}

/** Forwards every request to `upstream` (same path) and its answer back. */
export async function startDeliveryTap(upstream: string): Promise<DeliveryTap> {
  const target = new URL(upstream);
  const requests: TappedRequest[] = [];
  const server = createServer((req, res) => {
    const entry: TappedRequest = { clientPort: req.socket.remotePort ?? 0, arrivedAt: Date.now(), cutOff: false, answered: false };
    requests.push(entry);
    res.once('close', () => {
      if (!res.writableFinished) entry.cutOff = true;
    });
    const forward = httpRequest({ host: target.hostname, port: target.port, path: target.pathname, method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res).once('finish', () => (entry.answered = true));
    });
    forward.once('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(forward);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${target.pathname}`,
    requests,
    inFlight: () => requests.filter((r) => !r.answered && !r.cutOff),
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Socket inodes by local port, from /proc/net/tcp and tcp6. */
function inodesByLocalPort(): Map<number, string> {
  const byPort = new Map<number, string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.trim().split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      const port = parseInt(f[1]!.split(':').pop()!, 16);
      byPort.set(port, f[9]!);
    }
  }
  return byPort;
}

function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    // the process is gone
  }
  return inodes;
}

/** Which of `pids` owns the socket with this local port, if any. */
export function ownerOfPort(port: number, pids: number[]): number | undefined {
  const inode = inodesByLocalPort().get(port);
  if (!inode) return undefined;
  return pids.find((pid) => socketInodes(pid).has(inode));
}
