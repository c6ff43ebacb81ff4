/**
 * Type-level: the server's handlers are typed from the generated `operations`. Checked by
 * `npx tsc --noEmit` (an `@ts-expect-error` that compiles fails it).
 */
import { describe, expectTypeOf, it } from 'vitest';
import type { components } from '../../spec/generated/api.js';
import type { HandlerGroup, OperationHandlers, OperationRequest, OperationResponse, ServedOperationId } from '../../server/http/handler.js';

type Schemas = components['schemas'];
/** Type checks only: the function is never called. */
const typesOnly = (_check: () => unknown) => {};

describe('the handler seam', () => {
  it('serves the operations of paths, not those of webhooks', () => {
    expectTypeOf<'sendMessage'>().toMatchTypeOf<ServedOperationId>();
    expectTypeOf<'receiveBotMessage'>().not.toMatchTypeOf<ServedOperationId>();
    expectTypeOf<'verifyWebhookUrl'>().not.toMatchTypeOf<ServedOperationId>();
  });

  it('gives each handler its path parameters, query and body from the spec', () => {
    expectTypeOf<OperationRequest<'sendMessage'>['body']>().toEqualTypeOf<Schemas['SendMessageRequest']>();
    expectTypeOf<OperationRequest<'sendMessage'>['params']>().toEqualTypeOf<{ botId: string }>();
    expectTypeOf<OperationRequest<'getHealth'>['body']>().toEqualTypeOf<undefined>();
    expectTypeOf<OperationRequest<'listDeliveries'>['query']['limit']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<OperationRequest<'listDeliveries'>['query']['status']>().toEqualTypeOf<Schemas['DeliveryStatus'] | undefined>();
  });

  it('accepts only the statuses, media types and bodies the spec declares', () => {
    typesOnly(() => {
      const ok: OperationResponse<'deleteWebhookChannel'> = { status: 204 };
      const text: OperationResponse<'legacySendMessage'> = { status: 200, body: 'EVENT_RECEIVED', contentType: 'text/plain; charset=utf-8' };
      // @ts-expect-error 201 is not declared for this operation
      const undeclared: OperationResponse<'deleteWebhookChannel'> = { status: 201 };
      // @ts-expect-error the legacy endpoint answers the literal EVENT_RECEIVED
      const wrongText: OperationResponse<'legacySendMessage'> = { status: 200, body: 'OK', contentType: 'text/plain' };
      // @ts-expect-error the body of a 202 is MessageAccepted, not a string
      const wrongBody: OperationResponse<'sendMessage'> = { status: 202, body: 'accepted' };
      return [ok, text, undeclared, wrongText, wrongBody];
    });
  });

  it('does not compile when a handler is missing or mistyped', () => {
    typesOnly(() => {
      // @ts-expect-error getDocs (and every other operation) is missing
      const missing: OperationHandlers = { getHealth: async () => ({ status: 200, body: { status: 'ok' } }) };
      const mistyped: HandlerGroup<'getHealth'> = {
        // @ts-expect-error getHealth answers { status: 'ok' }
        getHealth: async () => ({ status: 200, body: { status: 'fine' } }),
      };
      return [missing, mistyped];
    });
  });
});
