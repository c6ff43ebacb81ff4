/**
 * Type-level: the client's inputs and results are the spec's. Checked by `npx tsc --noEmit`
 * (an `@ts-expect-error` that compiles fails it); the runtime part builds requests that are
 * never sent.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type { components, paths } from '../../spec/generated/api.js';
import { createWebhookChannelClient, type Paged, type Problem, type WebhookChannelClient } from '../../client/index.js';

type Schemas = components['schemas'];
const client: WebhookChannelClient = createWebhookChannelClient({ baseUrl: 'http://127.0.0.1:9', token: 't', fetch: async () => new Response(null, { status: 204 }) });
const SENDER = 'a7355930-fa92-11e7-8308-2f056e75d1ee';
/** Type checks only: the function is never called. */
const typesOnly = (_check: () => unknown) => {};

describe('the client types', () => {
  it('give the spec\'s result for each call: data on success, the problem as error', () => {
    typesOnly(async () => {
      const sent = await client.sendText('demo', SENDER, 'hi');
      if (sent.error) expectTypeOf(sent.error).toEqualTypeOf<Problem>();
      else expectTypeOf(sent.data).toEqualTypeOf<Schemas['MessageAccepted']>();

      expectTypeOf((await client.getWebhook('demo')).data).toEqualTypeOf<Schemas['WebhookChannel'] | undefined>();
      expectTypeOf((await client.getSecret('demo')).data).toEqualTypeOf<Schemas['WebhookSecret'] | undefined>();
      const delivery = (await client.getDelivery('demo', 'dlv_1')).data!;
      expectTypeOf(delivery).toMatchTypeOf<Schemas['DeliveryDetail']>();
      expectTypeOf(delivery.payload).toEqualTypeOf<Schemas['BotMessageEvent']>();
      expectTypeOf((await client.redeliver('demo', 'dlv_1')).data).toEqualTypeOf<Schemas['Delivery'] | undefined>();
      expectTypeOf(client.history('demo', SENDER)).toEqualTypeOf<Paged<Schemas['HistoryRow'], Schemas['HistoryPage']>>();
      expectTypeOf(client.deliveries('demo')).toEqualTypeOf<Paged<Schemas['Delivery'], Schemas['DeliveryPage']>>();
    });
  });

  it('accept only bodies the spec allows', () => {
    typesOnly(() => {
      client.sendMessage('demo', { sender: { id: SENDER }, message: { type: 'location', coordinates: { lat: 1, long: 2 } } });
      // @ts-expect-error 'video' is not a user message type
      client.sendMessage('demo', { sender: { id: SENDER }, message: { type: 'video', url: 'https://x.example' } });
      // @ts-expect-error a text message needs its text
      client.sendMessage('demo', { sender: { id: SENDER }, message: { type: 'text' } });
      // @ts-expect-error the sender is required
      client.sendMessage('demo', { message: { type: 'intro' } });
      // @ts-expect-error the URL is required to configure a webhook
      client.configureWebhook('demo', { verifyToken: '8wMsLZkdDPT64nqh' });
      // @ts-expect-error handshake is a boolean
      client.configureWebhook('demo', { url: 'https://bots.example.com/webhook', handshake: 'no' });
      // @ts-expect-error not a delivery status
      client.deliveries('demo', { status: 'lost' });
    });
  });

  it('type the core by path and method, as openapi-fetch does', () => {
    typesOnly(async () => {
      const { data } = await client.api.GET('/v1/bots/{botId}/conversations/{senderId}/session', {
        params: { path: { botId: 'demo', senderId: SENDER } },
      });
      expectTypeOf(data).toEqualTypeOf<Schemas['Session'] | undefined>();
      // @ts-expect-error the path parameter botId is required
      await client.api.GET('/v1/bots/{botId}/channels/webhook', { params: { path: {} } });
      // @ts-expect-error no such path
      await client.api.GET('/v1/bots/{botId}/webhooks');
      // @ts-expect-error the messages path has no GET
      await client.api.GET('/v1/bots/{botId}/channels/webhook/messages', { params: { path: { botId: 'demo' } } });
    });
    expectTypeOf<keyof paths>().toMatchTypeOf<string>();
  });
});
