/** What every element adapter offers the fetch activity: one page of records per call. */
import type { ElementKey } from '../core/config';

export interface PageRequest {
  /** The poller URL with placeholders rendered (hub-relative for vendor elements, base-relative for http). */
  url: string;
  pageSize: number;
  /** Opaque token from the previous page; undefined for the first page. */
  pageToken?: string;
}

export interface PageResult {
  records: unknown[];
  nextPageToken?: string;
}

/** Credentials an adapter obtained (OAuth tokens) that must survive restarts; kept in workflow state, encrypted. */
export type Credentials = Record<string, string>;

export interface AdapterContext {
  configuration: Readonly<Record<string, string>>;
  credentials?: Credentials;
  /** Called when the adapter refreshed or exchanged tokens, so the caller can persist them. */
  onCredentials?: (credentials: Credentials) => void;
  signal?: AbortSignal;
}

export interface ConfigurationDefinition {
  key: string;
  name: string;
  type: 'TEXTFIELD_128' | 'TEXTFIELD_1000' | 'PASSWORD' | 'BOOLEAN' | 'TEXTAREA' | 'SELECT';
  required: boolean;
  defaultValue?: string;
  description?: string;
  options?: string[];
}

export interface ElementDefinition {
  key: ElementKey;
  name: string;
  hub: string;
  authType: 'basic' | 'custom' | 'oauth2' | 'none';
  description: string;
  configuration: ConfigurationDefinition[];
  /** The default `event.poller.configuration`. */
  defaultPollerConfiguration: Record<string, unknown>;
}

export interface ElementAdapter {
  definition: ElementDefinition;
  /** Element-specific validation of an instance configuration: messages keyed by configuration key. */
  validate(configuration: Readonly<Record<string, string>>): { key: string; message: string }[];
  fetchPage(request: PageRequest, ctx: AdapterContext): Promise<PageResult>;
}
