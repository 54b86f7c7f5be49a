/** What a dry run answers: per resource, the requests it made, what it found, and what it decided for each record. */
import type { Decision, DecisionReason, EventType } from '../core/diff';
import type { ProviderRequest } from '../elements/requestLog';

/** Events listed in full per resource; the rest are counted in `reasons`. */
export const MAX_EVENTS_SHOWN = 100;
/** Decisions listed per resource; the rest are counted in `reasons`. */
export const MAX_DECISIONS_SHOWN = 1000;
/** Problem records described per resource; the rest are counted in `problems`. */
export const MAX_PROBLEMS_SHOWN = 100;

export interface DryRunEvent {
  eventType: EventType;
  objectId: string;
  /** As the notification's event would carry it: the record's date, ISO UTC to the second. */
  date: string;
  /** The record as the element returned it. */
  record: unknown;
}

export interface DryRunResource {
  /** The lower bound the resource was read from (its checkpoint − pollDelay), ISO. */
  since: string;
  /** Read to its last page; false when the time limit stopped it (or came before it). */
  complete: boolean;
  /** The provider's failure that ended it, as it would fail the resource in a poll. */
  error?: string;
  requests: ProviderRequest[];
  /** Records the element returned (after the `where` conditions it evaluates itself), as a poll counts them. */
  records: number;
  /** Records reported without an id or with a filter date that does not parse. */
  problems: number;
  /** The first MAX_PROBLEMS_SHOWN of them: which record, and what is wrong with it. */
  problemDetails: { objectId: string; kind: 'missingId' | 'badDate'; detail: string }[];
  /** The first MAX_EVENTS_SHOWN events a poll would report. */
  events: DryRunEvent[];
  /** The first MAX_DECISIONS_SHOWN decisions, in the order the records came. */
  decisions: Decision[];
  /** Every decision counted by its reason. */
  reasons: Partial<Record<DecisionReason, number>>;
}

export interface DryRunAnswer {
  /** False when the time limit cut the dry run short: what was read until then is still here. */
  complete: boolean;
  /** The poll start the records were judged against (filterByCurrentDate), ISO. */
  pollStart: string;
  resources: Record<string, DryRunResource>;
}
