#!/usr/bin/env node
/**
 * webhook-channel-mock: sends the spec's bot-message webhooks, signed, to your receiver, the way
 * the platform does (the counterpart of `stripe trigger`). Prism (`npm run mock`) serves the API;
 * this sends the webhooks Prism does not.
 *
 *   npm run mock:webhook -- --url http://127.0.0.1:4011/webhook --handshake
 *   npm run mock:webhook -- --url http://127.0.0.1:4011/webhook --type carousel --fail-first 2
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { botMessageEventErrors, webhookHeaders, type BotMessageEvent } from '../client/receiver/index.js';
import { buildEvent, isAccepted, newWebhookId, send, type ReceiverReply } from './delivery.js';
import { DEMO_SECRET, DEMO_VERIFY_TOKEN } from './demo-credentials.js';
import { FAILURE_KIND_NAMES, FAILURE_KINDS, seededRandom, type FailureKind, type FailureKindName } from './failure-injection.js';
import { checkHandshake } from './handshake.js';
import { findSpec, loadWebhookExamples, selectExamples } from './spec-examples.js';

export { DEMO_SECRET, DEMO_VERIFY_TOKEN };

const DEFAULT_SENDER = 'a7355930-fa92-11e7-8308-2f056e75d1ee';
const DEFAULT_TIMEOUT_MS = 10_000;

const HELP = `Usage: webhook-channel-mock --url <receiver URL> [options]

Sends each botMessage example of spec/openapi.yaml to your receiver, signed with Standard
Webhooks headers, and prints the receiver's answer to each. Exits 1 when a delivery was not
accepted (or an injected failure was), 2 on a usage error.

  --url <url>             where to POST (also the first positional argument)
  --secret <whsec_…>      signing secret (default: a demo secret, printed)
  --verify-token <token>  put in each body and used by --handshake (default: ${DEMO_VERIFY_TOKEN})
  --sender <id>           the conversation's user id (default: ${DEFAULT_SENDER})
  --bot <id>              botId in the body (default: demo)
  --type <type>           only this message type (text, buttons, quick_replies, carousel, list,
                          media); repeat the option for several
  --repeat <n>            send the selection n times (default 1)
  --handshake             first send the hub.challenge GET and check the echo
  --duplicate             send every accepted delivery a second time with the same webhook-id
                          (as a retry does): it must be acknowledged again
  --latency-ms <ms>       wait this long before each delivery
  --fail-first <n>        make the first n deliveries defective (the receiver must refuse them);
                          when n is more than that, the examples cycle and each is sent intact after
  --fail-rate <0..1>      make each delivery defective with this probability
  --fail-with <kinds>     comma-separated defects (or all) for --fail-first and --fail-rate to
                          cycle through (default: all); given alone, the first deliveries carry
                          one defect each, in that order (as --fail-first <number of kinds>):
                          ${FAILURE_KIND_NAMES.join(', ')}
  --seed <n>              seed for --fail-rate, to repeat a run exactly (needs --fail-rate)
  --timeout-ms <ms>       per request (default ${DEFAULT_TIMEOUT_MS})
  --spec <path>           the OpenAPI document (default: the package's spec/openapi.yaml)
  --verbose               print the headers of each delivery
  --list                  list the examples and exit
  --help                  this text
`;

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** In [0, 1), for --fail-rate without --seed. */
  random: () => number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

const defaultIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  random: Math.random,
  now: Date.now,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

class UsageError extends Error {}

function nonNegativeInteger(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} must be a whole number, 0 or more (got ${value}).`);
  return n;
}

function parseOptions(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      secret: { type: 'string' },
      'verify-token': { type: 'string' },
      sender: { type: 'string' },
      bot: { type: 'string' },
      type: { type: 'string', multiple: true },
      repeat: { type: 'string' },
      handshake: { type: 'boolean' },
      duplicate: { type: 'boolean' },
      'latency-ms': { type: 'string' },
      'fail-first': { type: 'string' },
      'fail-rate': { type: 'string' },
      'fail-with': { type: 'string' },
      seed: { type: 'string' },
      'timeout-ms': { type: 'string' },
      spec: { type: 'string' },
      verbose: { type: 'boolean' },
      list: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const failRate = values['fail-rate'] === undefined ? 0 : Number(values['fail-rate']);
  if (!(failRate >= 0 && failRate <= 1)) throw new UsageError(`--fail-rate must be between 0 and 1 (got ${values['fail-rate']}).`);
  const failWith = (values['fail-with'] ?? 'all') === 'all' ? FAILURE_KIND_NAMES : values['fail-with']!.split(',').map((k) => k.trim());
  for (const kind of failWith) {
    if (!(kind in FAILURE_KINDS)) throw new UsageError(`--fail-with: unknown defect "${kind}"; known: ${FAILURE_KIND_NAMES.join(', ')}.`);
  }
  // A defect named is a defect wanted: alone, --fail-with sends one delivery with each (it
  // used to only choose the kinds for --fail-first/--fail-rate, so alone it injected nothing).
  const failWithAlone = values['fail-with'] !== undefined && values['fail-first'] === undefined && values['fail-rate'] === undefined;
  // --seed only replays --fail-rate's draws: alone it would be ignored without a word.
  if (values.seed !== undefined && values['fail-rate'] === undefined) throw new UsageError('--seed repeats the draws of --fail-rate: give --fail-rate too.');
  const repeat = nonNegativeInteger(values.repeat, '--repeat', 1);
  const timeoutMs = nonNegativeInteger(values['timeout-ms'], '--timeout-ms', DEFAULT_TIMEOUT_MS);
  if (repeat < 1 || timeoutMs < 1) throw new UsageError('--repeat and --timeout-ms must be at least 1.');
  return {
    help: values.help ?? false,
    list: values.list ?? false,
    url: values.url ?? positionals[0],
    secret: values.secret,
    verifyToken: values['verify-token'] ?? DEMO_VERIFY_TOKEN,
    sender: values.sender ?? DEFAULT_SENDER,
    botId: values.bot ?? 'demo',
    types: values.type ?? [],
    repeat,
    handshake: values.handshake ?? false,
    duplicate: values.duplicate ?? false,
    latencyMs: nonNegativeInteger(values['latency-ms'], '--latency-ms', 0),
    failFirst: failWithAlone ? failWith.length : nonNegativeInteger(values['fail-first'], '--fail-first', 0),
    failWithAlone,
    failRate,
    failWith: failWith as FailureKindName[],
    seed: values.seed === undefined ? undefined : nonNegativeInteger(values.seed, '--seed', 0),
    timeoutMs,
    spec: values.spec,
    verbose: values.verbose ?? false,
  };
}

function describeReply(reply: ReceiverReply): string {
  if (reply.error) return `no answer (${reply.error})`;
  return `${reply.status}${reply.text ? ` ${reply.text}` : ''}`;
}

/**
 * Runs the CLI with `argv` (without `node` and the script) and answers the exit code.
 *
 * @example
 * process.exitCode = await main(['--url', 'http://127.0.0.1:4011/webhook', '--type', 'carousel']);
 */
export async function main(argv: string[], io: Partial<CliIo> = {}): Promise<number> {
  const { out, err, random, now, sleep } = { ...defaultIo, ...io };
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(argv);
  } catch (error) {
    err(`${error instanceof Error ? error.message : String(error)}\nRun with --help for the options.`);
    return 2;
  }
  if (options.help) {
    out(HELP);
    return 0;
  }

  let examples;
  try {
    examples = await loadWebhookExamples(findSpec(options.spec));
  } catch (error) {
    err(error instanceof Error ? error.message : String(error));
    return 2;
  }
  if (options.list) {
    for (const e of examples) out(`${e.event.message.type.padEnd(14)} ${e.name}${e.summary ? ` (${e.summary})` : ''}`);
    return 0;
  }
  if (!options.url) {
    err('Give the receiver URL: --url http://127.0.0.1:4011/webhook (see --help).');
    return 2;
  }
  try {
    const url = new URL(options.url);
    if (!/^https?:$/.test(url.protocol)) throw new Error();
  } catch {
    err(`--url must be an http(s) URL (got ${options.url}).`);
    return 2;
  }

  let selection;
  try {
    selection = selectExamples(examples, options.types);
  } catch (error) {
    err(error instanceof Error ? error.message : String(error));
    return 2;
  }
  const secret = options.secret ?? DEMO_SECRET;
  const fields = { botId: options.botId, senderId: options.sender, verifyToken: options.verifyToken };
  // Every body sent as a valid delivery must match the spec: check them all before sending any.
  for (const example of selection) {
    const errors = botMessageEventErrors(buildEvent(example.event, { ...fields, messageCounter: 1, createdAt: new Date(now()) }));
    if (errors.length > 0) {
      err(`The ${example.name} example with these options is not a valid BotMessageEvent: ${errors.map((e) => `${e.location} ${e.message}`).join('; ')}`);
      return 2;
    }
  }
  try {
    await webhookHeaders(secret, 'msg_check', 0, '');
  } catch (error) {
    err(`--secret: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }

  out(`Sending to ${options.url}`);
  out(options.secret ? 'Signed with your --secret.' : `Signed with the demo secret ${DEMO_SECRET} (configure your receiver with it, or pass --secret).`);
  out(`Verify token: ${options.verifyToken}`);

  let unexpected = 0;
  if (options.handshake) {
    for (const check of await checkHandshake(options.url, options.verifyToken, options.timeoutMs)) {
      out(`${check.passed ? '✓' : '✗'} ${check.what}: ${check.answer}`);
      if (!check.passed) unexpected++;
    }
  }

  if (options.failWithAlone) {
    out(`--fail-with alone: the first ${options.failFirst} deliveries carry one defect each (${options.failWith.join(', ')}); --fail-first or --fail-rate choose how many.`);
  }
  const failureRandom = options.seed === undefined ? random : seededRandom(options.seed);
  let plan = Array.from({ length: options.repeat }, () => selection).flat();
  if (options.failFirst > plan.length) {
    // Otherwise every delivery would be defective and nothing good sent: the examples cycle
    // through the defective ones, then each chosen example is sent intact once.
    const planned = plan.length;
    plan = [...Array.from({ length: options.failFirst }, (_, i) => selection[i % selection.length]!), ...selection];
    out(`--fail-first ${options.failFirst} is more than the ${planned} planned deliveries: the examples cycle, ${plan.length} deliveries, the last ${selection.length} intact.`);
  }
  let messageCounter = 1;
  let accepted = 0;
  let refusedAsExpected = 0;
  let injected = 0;

  for (const [index, example] of plan.entries()) {
    if (options.latencyMs > 0) await sleep(options.latencyMs);
    const number = `#${index + 1}`.padEnd(4);
    const type = example.event.message.type.padEnd(13);
    const event: BotMessageEvent = buildEvent(example.event, { ...fields, messageCounter, createdAt: new Date(now()) });
    const body = JSON.stringify(event);
    const webhookId = newWebhookId();
    const timestamp = Math.floor(now() / 1000);
    const inject = index < options.failFirst || (options.failRate > 0 && failureRandom() < options.failRate);

    if (inject) {
      const kind: FailureKind = FAILURE_KINDS[options.failWith[injected % options.failWith.length]!];
      injected++;
      const delivery = await kind.make({ webhookId, timestamp, body }, secret);
      if (options.verbose) out(`    ${JSON.stringify(delivery.headers)}`);
      const reply = await send(options.url, { method: 'POST', headers: { 'content-type': 'application/json', ...delivery.headers }, body: delivery.body }, options.timeoutMs, now);
      const refused = reply.status !== undefined && !isAccepted(reply);
      if (refused) refusedAsExpected++;
      else unexpected++;
      const verdict = refused
        ? `refused, as expected${reply.text === kind.expectedReason ? '' : ` (a kit receiver says ${kind.expectedReason})`}`
        : reply.error
          ? 'no answer'
          : 'ACCEPTED a delivery it must refuse';
      out(`${refused ? '✓' : '✗'} ${number} ${type} injected: ${kind.label} → ${describeReply(reply)} · ${verdict}`);
      continue;
    }

    const headers = await webhookHeaders(secret, webhookId, timestamp, body);
    if (options.verbose) out(`    ${JSON.stringify(headers)}`);
    const reply = await send(options.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }, options.timeoutMs, now);
    const ok = isAccepted(reply);
    out(`${ok ? '✓' : '✗'} ${number} ${type} messageCounter ${messageCounter} · webhook-id ${webhookId} → ${describeReply(reply)} · ${reply.ms} ms${ok ? '' : ' · not accepted'}`);
    if (!ok) {
      unexpected++;
      continue;
    }
    accepted++;
    messageCounter++;
    if (options.duplicate) {
      // A retry: same webhook-id and body, signed anew at the time of the attempt.
      const again = await webhookHeaders(secret, webhookId, Math.floor(now() / 1000), body);
      const replay = await send(options.url, { method: 'POST', headers: { 'content-type': 'application/json', ...again }, body }, options.timeoutMs, now);
      const acknowledged = isAccepted(replay);
      if (!acknowledged) unexpected++;
      out(`${acknowledged ? '✓' : '✗'}      ${''.padEnd(13)} same webhook-id again → ${describeReply(replay)}${acknowledged ? '' : ' · a retry must be acknowledged'}`);
    }
  }

  out(`${accepted} accepted, ${refusedAsExpected} refused as expected, ${unexpected} unexpected.`);
  return unexpected === 0 ? 0 : 1;
}

function isEntryPoint(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) process.exitCode = await main(process.argv.slice(2));
