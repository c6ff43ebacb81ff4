/**
 * The client of the Webhook channel API. The receiver kit is `webhook-channel/receiver`.
 */
export {
  createWebhookChannelClient,
  type WebhookChannelClient,
  type WebhookChannelClientOptions,
  type SendOptions,
  type SendTextOptions,
  type SendMessageRequest,
  type ChannelMessageRequest,
  type UserMessage,
  type Sender,
  type WebhookChannelInput,
  type HistoryRow,
  type HistoryPage,
  type Delivery,
  type DeliveryPage,
  type DeliveryStatus,
} from './client.js';
export { WebhookChannelApiError, WebhookChannelNetworkError, type Problem } from './errors.js';
export type { Paged } from './pages.js';
export { followEvents, EventStreamRefusedError, type FollowEventsOptions, type StreamEvent } from './event-stream.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retrying-fetch.js';
export type { paths, components, operations, webhooks } from '../spec/generated/api.js';
