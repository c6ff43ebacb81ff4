import type { Migration, MigrationProvider } from 'kysely';
import { initial } from './0001-initial.js';
import { deliveriesDueBacklog } from './0002-deliveries-due-backlog.js';
import { deliveryHeads } from './0003-delivery-heads.js';
import { channelIdOptionalVerifyToken } from './0004-channel-id-optional-verify-token.js';
import { hardening } from './0006-hardening.js';
import { events } from './0008-events.js';
import { attemptRequests } from './0009-attempt-requests.js';
import { instanceHeartbeats } from './0010-instance-heartbeats.js';
import { previousSecrets } from './0012-previous-secrets.js';
import { dropRedundantDeliveryIndex } from './0013-drop-redundant-delivery-index.js';

/** Numbered migrations, applied in name order. Add a file per change; never edit one that has shipped. */
export const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-deliveries-due-backlog': deliveriesDueBacklog,
  '0003-delivery-heads': deliveryHeads,
  '0004-channel-id-optional-verify-token': channelIdOptionalVerifyToken,
  '0006-hardening': hardening,
  '0008-events': events,
  '0009-attempt-requests': attemptRequests,
  '0010-instance-heartbeats': instanceHeartbeats,
  '0012-previous-secrets': previousSecrets,
  '0013-drop-redundant-delivery-index': dropRedundantDeliveryIndex,
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};
