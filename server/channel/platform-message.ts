/**
 * The platform's message body (`sendChannelMessage`, Chatlayer.ai's per-channel message URL) in
 * this channel's own words (`sendMessage`'s request): a pure mapping, so that the two endpoints
 * share one use case and every rule of the native endpoint applies to both.
 * @see spec/openapi.yaml `ChannelMessageRequest`, shared reference §7
 */
import type { components } from '../../spec/generated/api.js';
import { Problem } from '../problem.js';

type Schemas = components['schemas'];
export type ChannelMessageRequest = Schemas['ChannelMessageRequest'];
type SendMessageRequest = Schemas['SendMessageRequest'];

/**
 * - `user` becomes the sender (`preferredLanguage` is its `locale`); `conversationId` alone is
 *   the user id too; both must then name the same user.
 * - `textMessage` → `text`, `introMessage` → `intro`, `postbackMessage` → `postback` with its
 *   `title`, `payload` and `nextDialogstateId`.
 * - `sessionData`, then the postback's `sessionDataToSet` (a list of `{key, value}` or an
 *   object), become `sessionData`, keys as given (dotted ones too).
 *
 * @throws Problem 400 naming `body.user` when neither user form is given, or both differ.
 * @example nativeRequestOf({ conversationId: 'c-1', message: { introMessage: {} } })
 * // → { sender: { id: 'c-1' }, message: { type: 'intro' } }
 */
export function nativeRequestOf(body: ChannelMessageRequest): SendMessageRequest {
  const sessionData = { ...body.sessionData, ...sessionDataToSetOf(body.message.postbackMessage?.sessionDataToSet) };
  return {
    sender: senderOf(body),
    message: messageOf(body.message),
    ...(Object.keys(sessionData).length > 0 && { sessionData }),
  };
}

function senderOf(body: ChannelMessageRequest): SendMessageRequest['sender'] {
  const { user, conversationId } = body;
  if (!user) {
    if (conversationId === undefined) throw Problem.validation([{ location: 'body.user', message: 'is required (or body.conversationId)' }]);
    return { id: conversationId };
  }
  if (conversationId !== undefined && conversationId !== user.id) {
    throw Problem.validation([{ location: 'body.conversationId', message: 'must be body.user.id when both are sent' }]);
  }
  return {
    id: user.id,
    ...(user.firstName !== undefined && { firstName: user.firstName }),
    ...(user.lastName !== undefined && { lastName: user.lastName }),
    ...(user.preferredLanguage !== undefined && { locale: user.preferredLanguage }),
  };
}

function messageOf(message: Schemas['ChannelMessage']): Schemas['UserMessage'] {
  // The schema lets exactly one of the three through (minProperties and maxProperties 1).
  if (message.textMessage) return { type: 'text', text: message.textMessage.text };
  if (message.introMessage) return { type: 'intro' };
  const { title, payload, nextDialogstateId } = message.postbackMessage!;
  return {
    type: 'postback',
    ...(payload !== undefined && { payload }),
    ...(title !== undefined && { title }),
    ...(nextDialogstateId !== undefined && { nextDialogstateId }),
  };
}

function sessionDataToSetOf(value: Schemas['ChannelPostbackMessage']['sessionDataToSet']): Record<string, unknown> {
  if (value === undefined) return {};
  if (!Array.isArray(value)) return value;
  return Object.fromEntries(value.map(({ key, value: v }) => [key, v]));
}
