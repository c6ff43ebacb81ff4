/**
 * Type-level: the event types come from the spec, and `switch (event.message.type)` narrows each
 * case. Checked by `npx tsc --noEmit` (the `@ts-expect-error` lines fail it when they compile);
 * the runtime part only makes vitest list the file.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type { components, webhooks } from '../../spec/generated/api.js';
import {
  verifyWebhook,
  type BotMessage,
  type BotMessageEvent,
  type BotMessageOf,
  type BotMessageType,
  type WebhookReceiverOptions,
  type VerificationFailureReason,
} from '../../client/receiver/index.js';
import { summarize } from '../../mock/example-receiver.js';

describe('the receiver kit types', () => {
  it('are the spec\'s BotMessageEvent, the body of the botMessage webhook', () => {
    expectTypeOf<BotMessageEvent>().toEqualTypeOf<components['schemas']['BotMessageEvent']>();
    expectTypeOf<BotMessageEvent>().toEqualTypeOf<webhooks['botMessage']['post']['requestBody']['content']['application/json']>();
    expectTypeOf(verifyWebhook).returns.resolves.toEqualTypeOf<BotMessageEvent>();
  });

  it('list every message type of the spec', () => {
    expectTypeOf<BotMessageType>().toEqualTypeOf<'text' | 'buttons' | 'quick_replies' | 'carousel' | 'list' | 'media'>();
  });

  it('narrow the message in each case of a switch, exhaustively', () => {
    function describeMessage(message: BotMessage): string {
      switch (message.type) {
        case 'text':
          expectTypeOf(message).toEqualTypeOf<components['schemas']['TextBotMessage']>();
          return message.text;
        case 'buttons':
          expectTypeOf(message.attachment.payload.buttons).toEqualTypeOf<components['schemas']['Button'][]>();
          return message.attachment.payload.text;
        case 'quick_replies':
          expectTypeOf(message.quick_replies[0]!.payload).toBeString();
          return message.text;
        case 'carousel':
          expectTypeOf(message).toEqualTypeOf<BotMessageOf<'carousel'>>();
          return message.attachment.payload.elements[0]!.title;
        case 'list':
          return message.attachment.payload.elements[0]!.title;
        case 'media':
          expectTypeOf(message.attachment.type).toEqualTypeOf<'image' | 'video' | 'audio' | 'file'>();
          return message.attachment.payload.url;
        default: {
          expectTypeOf(message).toBeNever();
          const unreachable: never = message;
          return unreachable;
        }
      }
    }
    expectTypeOf(describeMessage).toBeFunction();
    expectTypeOf(summarize).parameter(0).toEqualTypeOf<BotMessage>();
  });

  it('do not let a case read what its message type lacks', () => {
    function wrong(message: BotMessage): unknown {
      if (message.type === 'text') {
        // @ts-expect-error a text message has no attachment
        return message.attachment;
      }
      if (message.type === 'media') {
        // @ts-expect-error a media message has no text
        return message.text;
      }
      // @ts-expect-error 'video' is not a message type of the spec
      return message.type === 'video';
    }
    expectTypeOf(wrong).toBeFunction();
  });

  it('type onMessage\'s event and context', () => {
    const options: WebhookReceiverOptions = {
      secret: 'whsec_…',
      onMessage(event, context) {
        expectTypeOf(event).toEqualTypeOf<BotMessageEvent>();
        expectTypeOf(context.webhookId).toBeString();
        expectTypeOf(context.timestamp).toBeNumber();
      },
    };
    // @ts-expect-error a receiver needs a secret
    const missingSecret: WebhookReceiverOptions = { onMessage: () => {} };
    // @ts-expect-error secret and secrets are one option, given once
    const both: WebhookReceiverOptions = { secret: 'a', secrets: ['b'], onMessage: () => {} };
    expectTypeOf(options).not.toBeAny();
    expectTypeOf([missingSecret, both]).not.toBeAny();
  });

  it('name every refusal reason', () => {
    expectTypeOf<'timestamp_too_old'>().toMatchTypeOf<VerificationFailureReason>();
    // @ts-expect-error not a reason the kit gives
    const unknown: VerificationFailureReason = 'signature_invalid';
    expectTypeOf(unknown).toBeString();
  });
});
