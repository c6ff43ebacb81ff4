/**
 * `npm start`: the server from the environment (see README "Configuration"), with a banner that
 * tells a newcomer how to talk to the demo bot, and a graceful stop on SIGTERM/SIGINT.
 */
import { DEMO_BOT_ID } from './bot-registry.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { startServer, type RunningServer } from './server.js';
import { StoreInUseError } from './store/index.js';

function banner(server: RunningServer, config: Config): string {
  // A token the server made is shown once; one the operator configured is never printed (logs keep banners).
  const shownToken =
    server.issuedTokens.get(DEMO_BOT_ID) ??
    (config.demoBotToken !== undefined ? '$DEMO_BOT_TOKEN' : '<the demo bot token printed at the first start, or set DEMO_BOT_TOKEN>');
  const lines = [
    '',
    `webhook-channel is listening on ${server.url}`,
    `  API docs:  ${server.url}/docs`,
    `  console:   ${server.url}/console`,
    `  bots:      ${[...server.bots.keys()].join(', ')}`,
  ];
  for (const [botId, issued] of server.issuedTokens) {
    lines.push(`  API token of bot '${botId}' (shown once, only its hash is stored): ${issued}`);
  }
  if (server.bots.has(DEMO_BOT_ID)) {
    const issued = server.issuedTokens.get(DEMO_BOT_ID);
    lines.push(
      '',
      // The token rides in the fragment, which the browser keeps to itself; a configured one is not printed.
      issued
        ? `Open the console to chat with the demo bot and watch its webhooks: ${server.url}/console#bot=${DEMO_BOT_ID}&token=${encodeURIComponent(issued)}`
        : `Open the console to chat with the demo bot and watch its webhooks: ${server.url}/console (bot id ${DEMO_BOT_ID}, token ${shownToken})`,
      '',
      'Or say hello to it with curl:',
      `  curl -sS -X POST ${server.url}/v1/bots/${DEMO_BOT_ID}/channels/webhook/messages \\`,
      `    -H "Authorization: Bearer ${shownToken}" -H 'Content-Type: application/json' \\`,
      `    -d '{"sender":{"id":"a7355930-fa92-11e7-8308-2f056e75d1ee"},"message":{"type":"text","text":"hi"}}'`,
      'Then read the conversation:',
      `  curl -sS ${server.url}/v1/bots/${DEMO_BOT_ID}/conversations/a7355930-fa92-11e7-8308-2f056e75d1ee/messages -H "Authorization: Bearer ${shownToken}"`,
      'To receive the answers at a webhook, see README.md "Point the webhook at a local receiver".',
    );
  }
  return lines.join('\n') + '\n';
}

const SIGNAL_ECHO_MS = 500;

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`configuration error: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  let server: RunningServer;
  try {
    server = await startServer({ config });
  } catch (error) {
    if (error instanceof StoreInUseError) {
      console.error(`cannot start: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }

  // `npm start` execs node (package.json), so npm's forwarded SIGTERM reaches the server. A Ctrl-C
  // reaches it twice (from the terminal, and forwarded by npm): the same signal again within
  // a moment is that echo, not a second request.
  let first: { signal: string; at: number } | undefined;
  const stop = (signal: string) => {
    if (first) {
      if (signal === first.signal && performance.now() - first.at < SIGNAL_ECHO_MS) return;
      process.exit(1); // a second signal: stop now
    }
    first = { signal, at: performance.now() };
    server.context.logger.info({ signal }, 'stopping');
    server.close().then(
      () => process.exit(0),
      (error) => {
        server.context.logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  // A closed standard output (`npm start | head`, a log collector gone) must not take the server
  // down or stop it from hearing SIGTERM: the banner and the logs are lost, the service is not.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  process.stdout.write(banner(server, config));
}

await main();
