/**
 * Paged lists as async iterables: `for await (const row of list)` walks every row, and
 * `list.pages()` every page. The API's two styles: offset/limit (history) and cursor (deliveries).
 */
import { WebhookChannelApiError, type Problem } from './errors.js';

/** Rows, and the pages they come in. */
export interface Paged<Row, Page> extends AsyncIterable<Row> {
  pages(): AsyncIterable<Page>;
}

/** One page fetched with the typed client: `{ data }` or `{ error }`. */
type PageResult<Page> = { data: Page; error?: never; response: Response } | { data?: never; error: unknown; response: Response };

function unwrap<Page>(result: PageResult<Page>): Page {
  if (result.error !== undefined || result.data === undefined) {
    throw new WebhookChannelApiError(result.error as Problem | string | undefined, result.response);
  }
  return result.data;
}

function paged<Row, Page>(pages: () => AsyncGenerator<Page>, rowsOf: (page: Page) => Row[]): Paged<Row, Page> {
  return {
    pages,
    async *[Symbol.asyncIterator]() {
      for await (const page of pages()) yield* rowsOf(page);
    },
  };
}

/** Offset/limit paging: stops at `count`, or at the first empty page. */
export function offsetPaged<Row, Page extends { rows: Row[]; count: number }>(
  fetchPage: (offset: number) => Promise<PageResult<Page>>,
  start = 0,
): Paged<Row, Page> {
  return paged(async function* () {
    let offset = start;
    for (;;) {
      const page = unwrap(await fetchPage(offset));
      yield page;
      offset += page.rows.length;
      if (page.rows.length === 0 || offset >= page.count) return;
    }
  }, (page) => page.rows);
}

/** Cursor paging: follows `nextCursor` until it is `null`. */
export function cursorPaged<Row, Page extends { data: Row[]; nextCursor: string | null }>(
  fetchPage: (cursor: string | undefined) => Promise<PageResult<Page>>,
): Paged<Row, Page> {
  return paged(async function* () {
    let cursor: string | undefined;
    const seen = new Set<string>();
    for (;;) {
      const page = unwrap(await fetchPage(cursor));
      yield page;
      if (page.nextCursor === null) return;
      // A server that hands back a cursor twice would keep us here forever.
      if (seen.has(page.nextCursor)) throw new Error(`The server returned the cursor ${page.nextCursor} twice; stopping.`);
      seen.add(page.nextCursor);
      cursor = page.nextCursor;
    }
  }, (page) => page.data);
}
