/** What every element adapter offers the fetch activity: one page of records per call. */
import type { ElementKey } from '../core/settings';

export interface PageRequest {
  /** The poller URL with placeholders rendered (hub-relative for vendor elements, base-relative for http). */
  url: string;
  pageSize: number;
  /** Opaque token from the previous page; undefined for the first page. */
  pageToken?: string;
  /**
   * Only these fields of each record are needed (an id scan asks for its id field). A vendor that can select fields
   * is asked for just these (and what the where clause reads); elsewhere records come whole.
   */
  fields?: string[];
}

export interface PageResult {
  records: unknown[];
  nextPageToken?: string;
}

/**
 * Credentials an adapter obtained (OAuth tokens) that must survive restarts: kept in workflow state
 * (encrypted by the codec). `expiresAtMs` lets the workflow refresh before expiry.
 */
export interface Credentials {
  accessToken: string;
  refreshToken?: string;
  expiresAtMs?: number;
  [extra: string]: unknown;
}

export interface AdapterContext {
  configuration: Readonly<Record<string, string>>;
  credentials?: Credentials;
  signal?: AbortSignal;
  /**
   * Told of each record the adapter drops because of a `where` condition it evaluated itself (the vendor could not
   * filter on it), with that condition as CEQL text. A dry run listens, to explain the record; a poll does not.
   */
  onFiltered?(record: unknown, condition: string): void;
}

export interface AuthenticateRequest {
  configuration: Readonly<Record<string, string>>;
  /** The current credentials, to refresh; undefined for the first exchange. */
  credentials?: Credentials;
  /** OAuth2 authorization code from `providerData.code`, for the first exchange. */
  providerCode?: string;
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
  /**
   * OAuth2 elements: exchange the authorization code, or refresh the credentials. Runs in its own
   * activity so rotated refresh tokens reach workflow state as soon as the provider issues them.
   * A fetch that meets an expired token throws ProviderError kind 'auth'; the workflow then refreshes once.
   */
  authenticate?(request: AuthenticateRequest): Promise<Credentials>;
  /**
   * OAuth2 elements: credentials the configuration holds itself (a personal access token), usable without any
   * exchange; undefined when it holds none. A dry run of a new instance can only use these: an authorization code
   * is good for one exchange, which the instance needs.
   */
  directCredentials?: {
    /** The configuration key that holds them. */
    key: string;
    read(configuration: Readonly<Record<string, string>>): Credentials | undefined;
  };
  /** OAuth2 elements: the provider's authorization URL (GET /elements/{key}/oauth/url). */
  oauthUrl?(params: { apiKey: string; apiSecret: string; callbackUrl: string; state?: string; configuration: Readonly<Record<string, string>> }): string;
}
