/**
 * Raw HTTP to the API for the fuzz suite, with a tally of every answer: any method, any path and query, JSON or raw
 * bodies under any content type, any Authorization header. Each answer is checked as it arrives: never a 5xx, and a
 * 400 always names the field (`issues[].path`); a failure throws, so fast-check reports the request that caused it.
 */
import assert from 'node:assert/strict';
import { request } from 'undici';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or the text when it is not JSON. */
  body: any;
}

export interface SendOptions {
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is, under `contentType`. */
  raw?: string;
  contentType?: string;
  /** The Authorization header; default the API credentials, null for none. */
  authorization?: string | null;
  headers?: Record<string, string>;
}

export interface Tally {
  requests: number;
  byStatus: Record<number, number>;
  /** Answers of 500 and above, with their request. */
  serverErrors: string[];
  /** 400s without an issue that names a field. */
  unnamed400: string[];
}

export class FuzzClient {
  readonly tally: Tally = { requests: 0, byStatus: {}, serverErrors: [], unnamed400: [] };

  constructor(
    private readonly origin: string,
    private readonly authorization: string,
  ) {}

  /** `path` is taken as written (its query too): callers encode what they mean to encode, and nothing else. */
  async send(method: string, path: string, options: SendOptions = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...options.headers };
    const authorization = options.authorization === undefined ? this.authorization : options.authorization;
    if (authorization !== null) headers['authorization'] = authorization;
    let body: string | undefined;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    } else if (options.raw !== undefined) {
      body = options.raw;
      if (options.contentType) headers['content-type'] = options.contentType;
    }
    const res = await request(`${this.origin}${path}`, { method: method as never, headers, body });
    const text = await res.body.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: kept as text
    }
    const answer: Answer = { status: res.statusCode, headers: res.headers, body: parsed };
    this.check(method, path, answer);
    return answer;
  }

  private check(method: string, path: string, answer: Answer): void {
    this.tally.requests++;
    this.tally.byStatus[answer.status] = (this.tally.byStatus[answer.status] ?? 0) + 1;
    const what = `${method} ${path.slice(0, 200)} → ${answer.status} ${JSON.stringify(answer.body)?.slice(0, 300)}`;
    if (answer.status >= 500) {
      this.tally.serverErrors.push(what);
      assert.fail(`server error: ${what}`);
    }
    if (answer.status === 400 && method !== 'HEAD') {
      const issues = answer.body?.issues;
      const named = Array.isArray(issues) && issues.length > 0 && issues.every((i: { path?: unknown }) => typeof i.path === 'string' && i.path !== '');
      if (!named) {
        this.tally.unnamed400.push(what);
        assert.fail(`a 400 that names no field: ${what}`);
      }
    }
  }

  /** One line per status, for diagnostics. */
  summary(): string {
    const statuses = Object.entries(this.tally.byStatus)
      .map(([status, n]) => `${status}: ${n}`)
      .join(', ');
    return `${this.tally.requests} requests (${statuses}); ${this.tally.serverErrors.length} answers of 5xx; ${this.tally.unnamed400.length} 400s naming no field`;
  }
}
