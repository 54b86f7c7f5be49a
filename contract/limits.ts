/**
 * Temporal refuses a command whose payload or search attribute is too large by terminating the workflow, and
 * terminates one whose history grows past its limit (server defaults: 2 MiB per payload, 2 KiB per search attribute
 * value, 4 MiB per gRPC message, 50 MiB or 51,200 events of history). Pollster keeps every request it accepts far
 * below them: the API refuses what would not fit, and the workflows and activities split or bound the rest.
 */

/** InstanceTags as JSON (a search attribute value: 2 KiB). */
export const MAX_TAGS_BYTES = 1_500;

/** Bytes of a string in UTF-8 (pure: the workflows use it too). */
export function utf8Bytes(s: string): number {
  let n = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}

/** The tags' size as the InstanceTags search attribute holds them, or undefined when they fit. */
export function tagsTooLarge(tags: readonly string[]): number | undefined {
  const bytes = utf8Bytes(JSON.stringify(tags));
  return bytes > MAX_TAGS_BYTES ? bytes : undefined;
}

/**
 * All configuration values together, as stored: the instance's memo and every `configure` update carry them, and a
 * page of listed instances (at most MAX_LIST_PAGE_SIZE memos) stays under the 4 MiB message limit.
 */
export const MAX_CONFIGURATION_BYTES = 48 * 1024;

/** Resources per instance: one poll's history grows with them. */
export const MAX_RESOURCES = 100;

/** Instances per page of GET /instances. */
export const MAX_LIST_PAGE_SIZE = 50;

/**
 * A notification's body, at most this many bytes: a batch of ten events that would be larger is split, down to one
 * event a notification. A single larger record still goes out in a notification of its own, but is not queued for
 * retries: while its callback fails it waits at the provider (its checkpoint holds) rather than in the subscription's
 * queue, which Temporal carries as one payload.
 */
export const NOTIFICATION_BYTES = 256 * 1024;

/** Notifications handed to a subscription in one signal, at most this many bytes of JSON (a payload is at most 2 MiB). */
export const HANDOFF_CHUNK_BYTES = 512 * 1024;

/** The change keys of one recorded plan, at most this many bytes: a group of pages closes when its plan reaches it. */
export const PLAN_BYTES = 256 * 1024;
