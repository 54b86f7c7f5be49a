/**
 * In-memory stand-ins for what the activities get through ActivityDeps: a provider serving scripted pages, a callback
 * answering as scripted, the subscriptions' gateway and the progress recorder. They share one journal, so a test can
 * check the order of what happened ("plan recorded, then posted").
 */
import { noJournal } from '../../activities/journal';
import type { PollsterStore } from '../../store/types';
import { LookedPages } from '../../activities/lookedPages';
import type { ActivityDeps } from '../../activities/deps';
import type { CallbackPoster, DeliveryOutcome } from '../../activities/callback';
import type { SubscriptionGateway } from '../../activities/subscriptions';
import type { PageRunProgress } from '../../contract/activities';
import type { EnqueueRequest, FailurePolicy, SubscriptionStatus } from '../../contract/delivery';
import type { NotificationBody } from '../../core/envelope';
import type { ElementAdapter, PageRequest, PageResult } from '../../elements/types';

/** Page n (1-based) is asked for with this token; the first page with none. */
export const pageToken = (n: number): string | undefined => (n === 1 ? undefined : `page-${n}`);
const pageNumber = (token: string | undefined): number => (token === undefined ? 1 : Number(token.slice('page-'.length)));

/** The provider: pages of records served in order, each page's next token naming the next page; failures at chosen pages. */
export class ScriptedProvider {
  /** The page token of every fetch, in order. */
  readonly fetched: (string | undefined)[] = [];
  private pages: unknown[][] = [];
  private readonly failures = new Map<number, Error>();

  constructor(private readonly journal: string[]) {}

  /** What the provider holds now (a retry may see it shifted). */
  serve(pages: unknown[][]): void {
    this.pages = pages;
  }

  /** Page `n` fails with `error` until `clearFailures`. */
  failAt(n: number, error: Error): void {
    this.failures.set(n, error);
  }

  clearFailures(): void {
    this.failures.clear();
  }

  adapter(): ElementAdapter {
    return {
      definition: { key: 'http', name: 'scripted', hub: 'general', authType: 'none', description: 'scripted pages', configuration: [], defaultPollerConfiguration: {} },
      validate: () => [],
      fetchPage: async (request: PageRequest): Promise<PageResult> => {
        this.fetched.push(request.pageToken);
        const n = pageNumber(request.pageToken);
        this.journal.push(`fetch ${n}`);
        const failure = this.failures.get(n);
        if (failure) throw failure;
        const records = this.pages[n - 1] ?? [];
        return { records, nextPageToken: n < this.pages.length ? pageToken(n + 1) : undefined };
      },
    };
  }
}

export interface Post {
  url: string;
  notification: NotificationBody;
  signatureKey?: string;
}

/** The callback: records every post and answers 200 unless scripted otherwise. */
export class ScriptedCallback {
  readonly posts: Post[] = [];
  answer: (notification: NotificationBody) => DeliveryOutcome = () => ({ ok: true, status: 200 });

  constructor(private readonly journal: string[]) {}

  readonly post: CallbackPoster = async (url, notification, signatureKey) => {
    this.posts.push({ url, notification, signatureKey });
    this.journal.push(`post ${notification.id}`);
    return this.answer(notification);
  };
}

/** Answers for a callback that did not take a notification. */
export const outcomes = {
  unavailable: { ok: false, status: 503, error: 'callback answered 503' },
  gone: { ok: false, status: 410, error: 'callback answered 410' },
  refused: { ok: false, status: 0, refused: true, error: 'callback refused: 10.0.0.1 is a private address' },
} satisfies Record<string, DeliveryOutcome>;

/** The subscriptions: a scripted status and failure policy; hand-offs recorded (or refused, to simulate Temporal away). */
export class FakeSubscriptions implements SubscriptionGateway {
  readonly handOffs: { callbackUrl: string; request: EnqueueRequest }[] = [];
  current: SubscriptionStatus | undefined;
  policy: FailurePolicy = 'retry';
  /** What the next hand-offs do, one entry each: throw the error, or succeed (undefined); then they succeed. */
  handOffFailures: (Error | undefined)[] = [];

  constructor(private readonly journal: string[]) {}

  async status(): Promise<SubscriptionStatus | undefined> {
    return this.current;
  }

  async handOff(callbackUrl: string, request: EnqueueRequest): Promise<void> {
    const failure = this.handOffFailures.shift();
    if (failure) {
      this.journal.push('hand-off failed');
      throw failure;
    }
    this.handOffs.push({ callbackUrl, request: structuredClone(request) });
    this.journal.push(`hand-off ${request.items.map((i) => i.notification.id).join(',')}`);
  }

  async failurePolicy(): Promise<FailurePolicy> {
    return this.policy;
  }
}

/** The progress recorder: keeps what was recorded (what a retried attempt gets as heartbeat details); can fail. */
export class FakeProgress {
  readonly recorded: PageRunProgress[] = [];
  /** What the next records do, one entry each: throw the error, or succeed (undefined); then they succeed. */
  failures: (Error | undefined)[] = [];

  constructor(private readonly journal: string[]) {}

  readonly record = async (details: unknown): Promise<void> => {
    const failure = this.failures.shift();
    if (failure) {
      this.journal.push('record failed');
      throw failure;
    }
    // A copy, as the server holds it: later changes to the activity's objects must not reach it.
    this.recorded.push(structuredClone(details as PageRunProgress));
    this.journal.push('record');
  };

  get last(): PageRunProgress | undefined {
    return this.recorded.at(-1);
  }
}

export interface FakeActivityWorld {
  deps: ActivityDeps;
  provider: ScriptedProvider;
  callback: ScriptedCallback;
  subscriptions: FakeSubscriptions;
  progress: FakeProgress;
  /** `fetch <n>`, `record`, `post <id>`, `hand-off <ids>`, … in the order they happened. */
  journal: string[];
}

export function fakeActivityWorld(retryScale = 1): FakeActivityWorld {
  const journal: string[] = [];
  const provider = new ScriptedProvider(journal);
  const callback = new ScriptedCallback(journal);
  const subscriptions = new FakeSubscriptions(journal);
  const progress = new FakeProgress(journal);
  const adapter = provider.adapter();
  return {
    deps: {
      elementAdapter: (key) => (key === 'http' ? adapter : undefined),
      postNotification: callback.post,
      subscriptions,
      recordProgress: progress.record,
      retryScale,
      lookedPages: new LookedPages(),
      journal: noJournal,
      // These page runs keep no ledger (no settleDelay, no scans): a store call would be a bug they should show.
      store: new Proxy({} as PollsterStore, { get: (_, name) => () => Promise.reject(new Error(`no store in this test (${String(name)})`)) }),
    },
    provider,
    callback,
    subscriptions,
    progress,
    journal,
  };
}
