/**
 * The bot's event log, followed live (`GET /v1/bots/{botId}/events` as `text/event-stream`).
 *
 * One poller per server asks the store which bots have events past the newest id it has seen
 * (one indexed query, only while someone listens); each stream then reads its own bot's events
 * after its own cursor from the store. The log is the only source: a stream never holds events
 * the store did not give it, so resuming with `Last-Event-ID` loses and repeats nothing, across
 * restarts and across instances sharing one database. A stream whose client reads too slowly is
 * told so (`event: dropped`) and closed, so memory stays bounded.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html
 */
import { PassThrough, type Readable } from 'node:stream';
import type { Logger } from 'pino';
import { Problem } from '../problem.js';
import { listEventHeads, listEvents, newestEventId, type Db, type StoredEvent } from '../store/index.js';

export interface EventStreamOptions {
  /** How often the poller asks the store for news, in ms, while streams are open. */
  pollIntervalMs?: number;
  /** How often an idle stream sends a keep-alive comment, in ms. */
  keepAliveMs?: number;
  /** A stream whose unread output passes this many bytes is dropped. */
  maxBufferedBytes?: number;
  /** Events read from the store at a time. */
  pageSize?: number;
  /** Streams open at once for one bot; past it, `open` throws a 429 problem. */
  maxStreamsPerBot?: number;
}

export interface OpenStream {
  botId: string;
  /** The event id to start after (0: from the start of the log). */
  after: number;
  senderId?: string;
  /** Turns one stored event into the `data` of its SSE message (the spec's `StreamEvent`). */
  present: (event: StoredEvent) => unknown;
}

/** What a client refused for too many streams is told to wait, in seconds. */
const STREAM_RETRY_AFTER_SECONDS = 5;

const DEFAULTS = { pollIntervalMs: 100, keepAliveMs: 15_000, maxBufferedBytes: 1024 * 1024, pageSize: 200, maxStreamsPerBot: 16 };

/** Follows the store's event log for every open stream; `close()` ends them all. */
export class EventHub {
  readonly #db: Db;
  readonly #logger: Logger;
  readonly #options: typeof DEFAULTS;
  readonly #streams = new Set<EventStream>();
  #cursor = 0;
  /** Set while polling: resolves once the cursor is the log's end as of the start. */
  #started: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #polling = false;
  #closed = false;

  constructor(db: Db, logger: Logger, options: EventStreamOptions = {}) {
    this.#db = db;
    this.#logger = logger;
    this.#options = { ...DEFAULTS, ...options };
  }

  /** A readable SSE stream of the bot's events after `after`, live until the client goes or the hub closes. */
  open(request: OpenStream): Readable {
    if (this.#closed) throw new Error('the event hub is closed');
    // Each stream reads the store for its bot's news: a bound keeps one bot from stalling the server.
    const open = [...this.#streams].filter((s) => s.botId === request.botId).length;
    if (open >= this.#options.maxStreamsPerBot) {
      throw Problem.tooManyRequests(`Bot '${request.botId}' already has ${open} event streams open; close one, or try again later.`, STREAM_RETRY_AFTER_SECONDS);
    }
    const stream = new EventStream(this.#db, request, this.#options, this.#logger, () => {
      this.#streams.delete(stream);
      if (this.#streams.size === 0) this.#stopPolling();
    });
    this.#streams.add(stream);
    // The stream reads the log only once the poller knows where the log ends: whatever is
    // committed later is announced by the poller, whatever came before is read by the stream.
    this.#startPolling().then(
      () => stream.pump(),
      (error) => {
        this.#logger.warn({ err: error }, 'event stream could not start');
        stream.end();
      },
    );
    return stream.output;
  }

  /** How many streams are open (for metrics and tests). */
  get size(): number {
    return this.#streams.size;
  }

  /** Ends every stream (the server is stopping) and stops polling. */
  close(): void {
    this.#closed = true;
    this.#stopPolling();
    for (const stream of [...this.#streams]) stream.end();
  }

  #startPolling(): Promise<void> {
    if (!this.#started) {
      this.#started = newestEventId(this.#db).then((newest) => {
        this.#cursor = newest;
      });
      this.#timer = setInterval(() => void this.#poll(), this.#options.pollIntervalMs);
      this.#timer.unref();
    }
    return this.#started;
  }

  #stopPolling(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#started = undefined;
  }

  async #poll(): Promise<void> {
    if (this.#polling || !this.#started) return;
    this.#polling = true;
    try {
      await this.#started;
      const heads = await listEventHeads(this.#db, this.#cursor);
      for (const [botId, newest] of heads) {
        this.#cursor = Math.max(this.#cursor, newest);
        for (const stream of this.#streams) if (stream.botId === botId) stream.pump();
      }
    } catch (error) {
      this.#logger.warn({ err: error }, 'event stream poll failed; retrying');
    } finally {
      this.#polling = false;
    }
  }
}

class EventStream {
  readonly output = new PassThrough();
  readonly botId: string;
  #cursor: number;
  #pumping = false;
  #again = false;
  #ended = false;
  #finished = false;
  readonly #keepAlive: NodeJS.Timeout;

  constructor(
    private readonly db: Db,
    private readonly request: OpenStream,
    private readonly options: typeof DEFAULTS,
    private readonly logger: Logger,
    private readonly onEnd: () => void,
  ) {
    this.botId = request.botId;
    this.#cursor = request.after;
    // Sent at once, so that the client sees the stream open before the first event.
    this.output.write(`retry: 2000\n: stream of bot ${request.botId}\n\n`);
    this.#keepAlive = setInterval(() => this.#write(': keep-alive\n\n'), options.keepAliveMs);
    this.#keepAlive.unref();
    // The client went away (Koa destroys the body stream when the response closes).
    this.output.once('close', () => this.#finish());
  }

  /** Reads and sends every event after the cursor; called again while running, it runs once more after. */
  pump(): void {
    if (this.#ended) return;
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    void this.#drainLog()
      .catch((error) => {
        this.logger.warn({ err: error, botId: this.botId }, 'event stream read failed; ending the stream');
        this.end();
      })
      .finally(() => {
        this.#pumping = false;
        if (this.#again) {
          this.#again = false;
          this.pump();
        }
      });
  }

  async #drainLog(): Promise<void> {
    for (;;) {
      const page = await listEvents(this.db, {
        botId: this.botId,
        after: this.#cursor,
        senderId: this.request.senderId,
        limit: this.options.pageSize,
      });
      for (const event of page) {
        if (this.#ended) return;
        const data = JSON.stringify(this.request.present(event));
        this.#write(`id: ${event.id}\nevent: ${event.record.type}\ndata: ${data}\n\n`);
        this.#cursor = event.id;
        if (this.output.writableLength + this.output.readableLength > this.options.maxBufferedBytes) {
          this.#write(`event: dropped\ndata: ${JSON.stringify({ reason: 'The client reads too slowly.', lastEventId: String(this.#cursor) })}\n\n`);
          this.end();
          return;
        }
      }
      if (page.length < this.options.pageSize) return;
    }
  }

  #write(text: string): void {
    if (!this.#ended) this.output.write(text);
  }

  end(): void {
    if (this.#ended) return;
    this.#finish();
    this.output.end();
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#ended = true;
    clearInterval(this.#keepAlive);
    this.onEnd();
  }
}
