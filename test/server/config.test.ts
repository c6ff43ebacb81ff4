import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDuration } from '../../server/config.js';

describe('loadConfig', () => {
  it('has defaults that run the embedded server on 127.0.0.1:3000', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      databaseUrl: 'sqlite:./data/webhook-channel.db',
      webhookAllowedHosts: [],
      bodyLimitBytes: 262144,
      idempotencyTtlMs: 86_400_000,
      secretGraceMs: 86_400_000,
      channelBacklogLimit: 10_000,
      rateLimitPerSecond: 1_000,
      rateLimitBurst: 2_000,
      http: { headersTimeoutMs: 15_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000 },
    });
    expect(config.delivery.retryScheduleMs).toEqual([0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(config.delivery.timeoutMs).toBe(10_000);
    // A lease covers connecting, the answer's headers and its body (10 s each), and recording it.
    expect(config.delivery.leaseMs).toBe(35_000);
    expect(config.delivery.perChannelConcurrency).toBeLessThan(config.delivery.concurrency);
  });

  it('derives the lease from the timeout, and refuses one too short to cover an attempt', () => {
    expect(loadConfig({ WEBHOOK_TIMEOUT: '2s' }).delivery.leaseMs).toBe(11_000);
    expect(loadConfig({ WEBHOOK_TIMEOUT: '2s', WEBHOOK_LEASE: '1m' }).delivery.leaseMs).toBe(60_000);
    expect(() => loadConfig({ WEBHOOK_TIMEOUT: '2s', WEBHOOK_LEASE: '10s' })).toThrow(/WEBHOOK_LEASE: 10s is shorter than an attempt can last .* use at least 11000ms/);
  });

  it('beats every 2 s and takes an instance silent for 10 s for stopped, unless told otherwise', () => {
    expect(loadConfig({}).delivery).toMatchObject({ heartbeatMs: 2_000, instanceTimeoutMs: 10_000 });
    expect(loadConfig({ HEARTBEAT_INTERVAL: '200ms', HEARTBEAT_TIMEOUT: '1s' }).delivery).toMatchObject({ heartbeatMs: 200, instanceTimeoutMs: 1_000 });
  });

  it('reads the environment', () => {
    const config = loadConfig({
      PORT: '8080',
      WEBHOOK_ALLOWED_HOSTS: ' 127.0.0.1, LocalHost ',
      WEBHOOK_RETRY_SCHEDULE: '0,250ms,1s',
      WEBHOOK_TIMEOUT: '2s',
      DEMO_BOT_TOKEN: 'a-token-of-16-chars',
      CHANNEL_BACKLOG_LIMIT: '500',
    });
    expect(config.port).toBe(8080);
    expect(config.channelBacklogLimit).toBe(500);
    expect(config.webhookAllowedHosts).toEqual(['127.0.0.1', 'localhost']);
    expect(config.delivery.retryScheduleMs).toEqual([0, 250, 1000]);
    expect(config.delivery.timeoutMs).toBe(2000);
    expect(config.demoBotToken).toBe('a-token-of-16-chars');
  });

  it('selects PostgreSQL by its URL and reads its connection settings', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql://app:s3cret@db:5432/app',
      DATABASE_POOL_SIZE: '25',
      DATABASE_STATEMENT_TIMEOUT: '5s',
      DATABASE_CONNECT_TIMEOUT: '2s',
    });
    expect(config.databaseUrl).toBe('postgresql://app:s3cret@db:5432/app');
    expect(config.database).toEqual({ poolSize: 25, statementTimeoutMs: 5000, connectTimeoutMs: 2000 });
    expect(loadConfig({}).database).toEqual({ poolSize: 10, statementTimeoutMs: 30_000, connectTimeoutMs: 5000 });
  });

  it('reads the public base URL without its trailing slash, and leaves it undefined by default', () => {
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://chat.example.com/bots/' }).publicBaseUrl).toBe('https://chat.example.com/bots');
    expect(loadConfig({}).publicBaseUrl).toBeUndefined();
  });

  it.each([
    ['a port out of range', { PORT: '70000' }, /PORT: '70000' must be a whole number from 0 to 65535/],
    ['a duration that is not one', { WEBHOOK_TIMEOUT: 'soon' }, /WEBHOOK_TIMEOUT: 'soon' is not a duration/],
    ['a bad retry step', { WEBHOOK_RETRY_SCHEDULE: '0,5x' }, /WEBHOOK_RETRY_SCHEDULE: '5x' is not a duration/],
    ['more per channel than in all', { WEBHOOK_CONCURRENCY: '8', WEBHOOK_CONCURRENCY_PER_CHANNEL: '9' }, /WEBHOOK_CONCURRENCY_PER_CHANNEL: 9 is more than WEBHOOK_CONCURRENCY \(8\)/],
    ['an unknown log level', { LOG_LEVEL: 'loud' }, /LOG_LEVEL: 'loud' must be one of/],
    ['a public base URL that is not http(s)', { PUBLIC_BASE_URL: 'ftp://chat.example.com' }, /PUBLIC_BASE_URL: 'ftp:\/\/chat.example.com' must be an http\(s\) URL/],
    ['a public base URL with a query', { PUBLIC_BASE_URL: 'https://chat.example.com/?a=1' }, /PUBLIC_BASE_URL: .* without query/],
    ['a short demo token', { DEMO_BOT_TOKEN: 'short' }, /DEMO_BOT_TOKEN: must be at least 16 characters/],
    ['a database this server does not speak, without echoing its password', { DATABASE_URL: 'mysql://app:s3cret@db/app' }, /DATABASE_URL: must be sqlite:PATH or postgres:\/\/.* \(got mysql:\/\/…@db\/app\)$/],
    ['a pool of no connections', { DATABASE_POOL_SIZE: '0' }, /DATABASE_POOL_SIZE: '0' must be a whole number from 1 to 1000/],
    ['a header bound longer than the request bound', { HTTP_HEADERS_TIMEOUT: '40s' }, /HTTP_HEADERS_TIMEOUT: 40000ms is longer than HTTP_REQUEST_TIMEOUT \(30000ms\)/],
    ['no bound on an idle connection', { HTTP_KEEP_ALIVE_TIMEOUT: '0' }, /HTTP_KEEP_ALIVE_TIMEOUT: must be at least 1ms/],
    ['a heartbeat timeout of fewer than 3 beats', { HEARTBEAT_INTERVAL: '1s', HEARTBEAT_TIMEOUT: '2s' }, /HEARTBEAT_TIMEOUT: 2000ms must be at least 3 × HEARTBEAT_INTERVAL \(3000ms\)/],
    ['a heartbeat of no interval', { HEARTBEAT_INTERVAL: '0' }, /HEARTBEAT_INTERVAL: must be at least 10ms/],
    ['a statement timeout that is not a duration', { DATABASE_STATEMENT_TIMEOUT: 'long' }, /DATABASE_STATEMENT_TIMEOUT: 'long' is not a duration/],
    // Found by the attacker: a 30-day WEBHOOK_TIMEOUT overflowed Node's timers and timed every
    // attempt out at once; a retry step of 99999999d made nextAttemptAt no date (every delivery read 500).
    ['a webhook timeout longer than a timer runs', { WEBHOOK_TIMEOUT: '30d' }, /WEBHOOK_TIMEOUT: '30d' is longer than a timer can run \(2147483647ms/],
    ['an idle bound longer than a timer runs', { HTTP_KEEP_ALIVE_TIMEOUT: '999999d' }, /HTTP_KEEP_ALIVE_TIMEOUT: '999999d' is longer than a timer can run/],
    ['a shutdown grace longer than a timer runs', { SHUTDOWN_GRACE: '25d' }, /SHUTDOWN_GRACE: '25d' is longer than a timer can run/],
    ['a retry step past 100 years', { WEBHOOK_RETRY_SCHEDULE: '0,99999999d' }, /WEBHOOK_RETRY_SCHEDULE: '99999999d' is longer than 3155760000000ms \(100 years\)/],
    ['a grace period of more digits than a number holds', { WEBHOOK_SECRET_GRACE: '9'.repeat(400) }, /WEBHOOK_SECRET_GRACE: '9{400}' is longer than/],
  ])('refuses %s with a message naming the variable', (_name, env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('parseDuration', () => {
  it.each([
    ['250', 250],
    ['250ms', 250],
    ['5s', 5000],
    ['1.5s', 1500],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['36500d', 3_153_600_000_000],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text, 'X')).toBe(ms);
  });

  it('takes a timer\'s longest run and a 365-day retention', () => {
    expect(loadConfig({ WEBHOOK_TIMEOUT: '2147483647ms' }).delivery.timeoutMs).toBe(2_147_483_647);
    expect(loadConfig({ HISTORY_RETENTION: '365d' }).retention.historyRetentionMs).toBe(365 * 86_400_000);
  });
});
