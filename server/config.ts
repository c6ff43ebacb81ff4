import { minimumLeaseMs } from './delivery/lease.js';
import { DEFAULT_RETRY_SCHEDULE_MS, MAX_RETRY_AFTER_MS } from './delivery/retry-schedule.js';

/**
 * The server's configuration, read from the environment once at start, validated, and passed
 * down as one typed object. Nothing else reads process.env.
 */
import { parseSecretsKey, SecretKeyError } from './credentials/secret-box.js';
import { dialectOf, redactDatabaseUrl } from './store/database.js';

export interface Config {
  host: string;
  port: number;
  /**
   * Where clients reach this server (`https://chat.example.com`, no trailing slash), for the
   * absolute URLs the API hands out (a channel's `messagesUrl`). Undefined: the server's own address.
   */
  publicBaseUrl: string | undefined;
  /** `sqlite:PATH` (one process) or `postgres://…` (one or several instances on one database). */
  databaseUrl: string;
  /** PostgreSQL connection settings (SQLite ignores them). */
  database: {
    /** Connections per instance. */
    poolSize: number;
    statementTimeoutMs: number;
    /** How long a request waits for a connection before it is answered 503. */
    connectTimeoutMs: number;
  };
  botsDir: string;
  demoBotToken: string | undefined;
  /** Hosts exempt from the https and private-address rules of webhook URLs (local development). */
  webhookAllowedHosts: string[];
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  bodyLimitBytes: number;
  /** How long a client may take over its requests (server/http/connection-timeouts.ts). */
  http: HttpTimeouts;
  rateLimitPerSecond: number;
  rateLimitBurst: number;
  /** Failed authentications allowed per client address (then 429), apart from any bot's rate limit. */
  authFailuresPerSecond: number;
  authFailuresBurst: number;
  /**
   * Reverse proxies in front of the server that append to `X-Forwarded-For`: the client's address
   * is the entry that many from the right. 0 (the default): the connection's address.
   */
  trustProxyHops: number;
  /** Deliveries due for one active channel past which its bot's sends answer 429 (backpressure). */
  channelBacklogLimit: number;
  idempotencyTtlMs: number;
  /** `SECRETS_KEY`: seals the channels' secrets at rest (AES-256-GCM); undefined: stored as given. */
  secretsKey: Buffer | undefined;
  /** How long delivered deliveries (and their attempts) and the conversations' history are kept (server/channel/retention.ts). */
  retention: { deliveryRetentionMs: number; historyRetentionMs: number };
  /** The bound on one conversation's session variables (server/channel/session-limit.ts). */
  session: { maxVariables: number; maxBytes: number };
  secretGraceMs: number;
  delivery: DeliveryConfig;
}

/** Bounds on what a client connection may hold, in ms: a slow or silent client is cut off. */
export interface HttpTimeouts {
  /** From the connection (or the end of the previous request) to the end of a request's headers. */
  headersTimeoutMs: number;
  /** From the same start to the end of the request's body: at least `headersTimeoutMs`. */
  requestTimeoutMs: number;
  /** How long a connection may idle between requests. */
  keepAliveTimeoutMs: number;
}

/** The delivery worker's settings: their defaults live here and nowhere else. */
export interface DeliveryConfig {
  /** `retryScheduleMs[N]` is the delay before attempt N+1, in ms: its length is the number of attempts. */
  retryScheduleMs: readonly number[];
  /** Bounds each phase of an attempt (connecting, the answer's headers, its body), in ms. */
  timeoutMs: number;
  /** Attempts in flight at once, all channels together. */
  concurrency: number;
  /** Attempts in flight at once to one channel; at most `concurrency`. */
  perChannelConcurrency: number;
  /** How long a claim reserves a conversation, in ms: at least `minimumLeaseMs(timeoutMs)`. */
  leaseMs: number;
  /** The longest `Retry-After` a 429 is granted, in ms. */
  maxRetryAfterMs: number;
  /** The longest sleep between claims when nothing wakes the worker (work queued by other instances), in ms. */
  pollMs: number;
  shutdownGraceMs: number;
  /** PostgreSQL: how often an instance writes that it is alive, in ms. */
  heartbeatMs: number;
  /** PostgreSQL: an instance whose latest heartbeat is older than this is taken for stopped and its leases are freed, in ms. */
  instanceTimeoutMs: number;
}

export class ConfigError extends Error {}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * The longest a duration that runs a timer may be: Node's timers hold a signed 32-bit number of
 * ms (about 24.8 days) and fire after 1 ms past it, so a 30-day WEBHOOK_TIMEOUT timed every
 * attempt out at once. PostgreSQL's statement_timeout has the same bound.
 */
export const MAX_TIMER_MS = 2_147_483_647;
/**
 * The longest any other duration may be (100 years): times computed from it (a retry's next
 * attempt, a secret's expiry) stay dates; past 8.64e15 ms from 1970 they are not, and answering
 * with one failed (a retry schedule step of 99999999d answered every delivery read with 500).
 */
export const MAX_SPAN_MS = 100 * 365.25 * 86_400_000;

/** `250`, `250ms`, `5s`, `5m`, `2h`, `1d` → milliseconds; refused past `maxMs` (by default {@link MAX_SPAN_MS}). */
export function parseDuration(text: string, name: string, maxMs: number = MAX_SPAN_MS): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!match) throw new ConfigError(`${name}: '${text}' is not a duration (e.g. 500ms, 5s, 5m, 2h)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(match[2] ?? 'ms') as 'ms'];
  const ms = Math.round(Number(match[1]) * unit);
  if (!(ms <= maxMs)) {
    throw new ConfigError(`${name}: '${text}' is longer than ${maxMs === MAX_TIMER_MS ? 'a timer can run (2147483647ms, about 24.8 days)' : `${maxMs}ms (100 years)`}`);
  }
  return ms;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name}: '${raw}' must be a whole number from ${min} to ${max}`);
  }
  return value;
}

/** An absolute http(s) URL without query or fragment; a trailing slash is dropped. */
function parsePublicBaseUrl(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new ConfigError(`PUBLIC_BASE_URL: '${text}' must be an http(s) URL without query, fragment or credentials (e.g. https://chat.example.com)`);
  }
  return url.href.replace(/\/+$/, '');
}

function duration(env: NodeJS.ProcessEnv, name: string, fallback: string, maxMs?: number): number {
  return parseDuration(env[name] || fallback, name, maxMs);
}

/** Attempts in flight at once, all channels together (`WEBHOOK_CONCURRENCY`). */
export const DEFAULT_CONCURRENCY = 512;
/** Attempts in flight at once to one channel (`WEBHOOK_CONCURRENCY_PER_CHANNEL`): half, so one hanging receiver leaves the other half to the rest. */
export const DEFAULT_CONCURRENCY_PER_CHANNEL = 256;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const logLevel = (env.LOG_LEVEL || 'info') as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL: '${logLevel}' must be one of ${LOG_LEVELS.join(', ')}`);
  const demoBotToken = env.DEMO_BOT_TOKEN || undefined;
  if (demoBotToken !== undefined && demoBotToken.length < 16) {
    throw new ConfigError('DEMO_BOT_TOKEN: must be at least 16 characters');
  }
  const databaseUrl = env.DATABASE_URL || 'sqlite:./data/webhook-channel.db';
  if (!dialectOf(databaseUrl)) {
    throw new ConfigError(`DATABASE_URL: must be sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DATABASE (got ${redactDatabaseUrl(databaseUrl)})`);
  }
  const publicBaseUrl = env.PUBLIC_BASE_URL ? parsePublicBaseUrl(env.PUBLIC_BASE_URL) : undefined;
  const retryScheduleMs = env.WEBHOOK_RETRY_SCHEDULE
    ? env.WEBHOOK_RETRY_SCHEDULE.split(',').map((step) => parseDuration(step, 'WEBHOOK_RETRY_SCHEDULE'))
    : DEFAULT_RETRY_SCHEDULE_MS;
  const timeoutMs = duration(env, 'WEBHOOK_TIMEOUT', '10s', MAX_TIMER_MS);
  if (timeoutMs < 1) throw new ConfigError('WEBHOOK_TIMEOUT: must be at least 1ms');
  // Sized by `npm run bench`: one conversation's messages go one at a time, each waiting for a
  // claim and a record that share the store with the accepts, so a channel keeps pace only with
  // many conversations in flight at once. Closed-loop load on one channel over 200 conversations:
  // 0.98 webhooks per accepted message with 32 per channel, 2.69 (of 3 queued) with 256.
  const concurrency = integer(env, 'WEBHOOK_CONCURRENCY', DEFAULT_CONCURRENCY, 1, 4096);
  const perChannelConcurrency = integer(env, 'WEBHOOK_CONCURRENCY_PER_CHANNEL', DEFAULT_CONCURRENCY_PER_CHANNEL, 1, 4096);
  if (perChannelConcurrency > concurrency) {
    throw new ConfigError(`WEBHOOK_CONCURRENCY_PER_CHANNEL: ${perChannelConcurrency} is more than WEBHOOK_CONCURRENCY (${concurrency})`);
  }
  const shortestLease = minimumLeaseMs(timeoutMs);
  const leaseMs = env.WEBHOOK_LEASE ? parseDuration(env.WEBHOOK_LEASE, 'WEBHOOK_LEASE') : shortestLease;
  if (leaseMs < shortestLease) {
    // A lease that runs out mid-attempt would let a second copy of a conversation's message overlap the first.
    throw new ConfigError(`WEBHOOK_LEASE: ${env.WEBHOOK_LEASE} is shorter than an attempt can last with WEBHOOK_TIMEOUT=${timeoutMs}ms; use at least ${shortestLease}ms`);
  }
  const http = {
    headersTimeoutMs: duration(env, 'HTTP_HEADERS_TIMEOUT', '15s', MAX_TIMER_MS),
    requestTimeoutMs: duration(env, 'HTTP_REQUEST_TIMEOUT', '30s', MAX_TIMER_MS),
    keepAliveTimeoutMs: duration(env, 'HTTP_KEEP_ALIVE_TIMEOUT', '5s', MAX_TIMER_MS),
  };
  for (const [name, ms] of [['HTTP_HEADERS_TIMEOUT', http.headersTimeoutMs], ['HTTP_REQUEST_TIMEOUT', http.requestTimeoutMs], ['HTTP_KEEP_ALIVE_TIMEOUT', http.keepAliveTimeoutMs]] as const) {
    // 0 would mean no bound at all to Node's HTTP server.
    if (ms < 1) throw new ConfigError(`${name}: must be at least 1ms`);
  }
  if (http.headersTimeoutMs > http.requestTimeoutMs) {
    throw new ConfigError(`HTTP_HEADERS_TIMEOUT: ${http.headersTimeoutMs}ms is longer than HTTP_REQUEST_TIMEOUT (${http.requestTimeoutMs}ms), which bounds the headers too`);
  }
  const heartbeatMs = duration(env, 'HEARTBEAT_INTERVAL', '2s', MAX_TIMER_MS);
  if (heartbeatMs < 10) throw new ConfigError('HEARTBEAT_INTERVAL: must be at least 10ms');
  const instanceTimeoutMs = duration(env, 'HEARTBEAT_TIMEOUT', '10s', MAX_TIMER_MS);
  if (instanceTimeoutMs < 3 * heartbeatMs) {
    // One late heartbeat (a busy database, a long pause) must not make a live instance lose its leases.
    throw new ConfigError(`HEARTBEAT_TIMEOUT: ${instanceTimeoutMs}ms must be at least 3 × HEARTBEAT_INTERVAL (${3 * heartbeatMs}ms)`);
  }
  return {
    host: env.HOST || '127.0.0.1',
    port: integer(env, 'PORT', 3000, 0, 65535),
    publicBaseUrl,
    databaseUrl,
    database: {
      poolSize: integer(env, 'DATABASE_POOL_SIZE', 10, 1, 1000),
      statementTimeoutMs: duration(env, 'DATABASE_STATEMENT_TIMEOUT', '30s', MAX_TIMER_MS),
      connectTimeoutMs: duration(env, 'DATABASE_CONNECT_TIMEOUT', '5s', MAX_TIMER_MS),
    },
    botsDir: env.BOTS_DIR || 'bots',
    demoBotToken,
    webhookAllowedHosts: (env.WEBHOOK_ALLOWED_HOSTS || '')
      .split(',')
      .map((host) => host.trim().toLowerCase())
      .filter(Boolean),
    logLevel,
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 256 * 1024, 1024, 64 * 1024 * 1024),
    http,
    authFailuresPerSecond: integer(env, 'AUTH_FAILURES_PER_SECOND', 5, 1, 1_000_000),
    authFailuresBurst: integer(env, 'AUTH_FAILURES_BURST', 50, 1, 1_000_000),
    trustProxyHops: integer(env, 'TRUST_PROXY_HOPS', 0, 0, 10),
    // Sized from measured capacity: about what one instance accepts per second on one core with
    // group commit, so one bot may use the whole instance; past the deliveries its receiver takes,
    // the backlog bound answers 429 instead (README "Configuration").
    rateLimitPerSecond: integer(env, 'RATE_LIMIT_PER_SECOND', 1_000, 1, 1_000_000),
    rateLimitBurst: integer(env, 'RATE_LIMIT_BURST', 2_000, 1, 1_000_000),
    channelBacklogLimit: integer(env, 'CHANNEL_BACKLOG_LIMIT', 10_000, 1, 100_000_000),
    idempotencyTtlMs: duration(env, 'IDEMPOTENCY_TTL', '24h'),
    secretsKey: secretsKey(env),
    retention: {
      deliveryRetentionMs: duration(env, 'DELIVERY_RETENTION', '30d'),
      historyRetentionMs: duration(env, 'HISTORY_RETENTION', '365d'),
    },
    session: {
      maxVariables: integer(env, 'SESSION_MAX_VARIABLES', 200, 1, 100_000),
      maxBytes: integer(env, 'SESSION_MAX_BYTES', 64 * 1024, 1024, 64 * 1024 * 1024),
    },
    secretGraceMs: duration(env, 'WEBHOOK_SECRET_GRACE', '24h'),
    delivery: {
      retryScheduleMs,
      timeoutMs,
      concurrency,
      perChannelConcurrency,
      leaseMs,
      maxRetryAfterMs: MAX_RETRY_AFTER_MS,
      pollMs: 1_000,
      shutdownGraceMs: duration(env, 'SHUTDOWN_GRACE', '10s', MAX_TIMER_MS),
      heartbeatMs,
      instanceTimeoutMs,
    },
  };
}

function secretsKey(env: NodeJS.ProcessEnv): Buffer | undefined {
  if (!env.SECRETS_KEY) return undefined;
  try {
    return parseSecretsKey(env.SECRETS_KEY);
  } catch (error) {
    // The key itself is never echoed.
    if (error instanceof SecretKeyError) throw new ConfigError(`SECRETS_KEY: ${error.message}`);
    throw error;
  }
}
