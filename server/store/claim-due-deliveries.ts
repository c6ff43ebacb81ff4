import { openSecret } from '../credentials/secret-box.js';
import { engineOf, inTransaction, type Db } from './database.js';
import type { Schema } from './schema.js';
import { toDelivery, toPreviousSecrets, type DeliveryRecord, type PreviousSecret } from './records.js';

/** The channel as it is when the attempt starts: the attempt is sent with these and recorded against them. */
export interface ClaimedChannel {
  url: string;
  /** Null: none configured, and the body carries no `verifyToken`. */
  verifyToken: string | null;
  secret: string;
  /** The secrets rotations replaced that still sign at the claim's `now`, newest first. */
  previousSecrets: PreviousSecret[];
  /** When this configuration was verified: with `url`, tells an answer for it from one for a newer configuration. */
  verifiedAt: number | null;
}

export interface ClaimedDelivery
  extends Pick<DeliveryRecord, 'id' | 'botId' | 'conversationId' | 'senderId' | 'messageId' | 'webhookId' | 'messageCounter' | 'event'> {
  /** This attempt's number over the delivery's life, 1-based. */
  attemptNumber: number;
  /** This attempt's number since the delivery was last (re)scheduled, 1-based: the retry schedule's index. */
  roundAttemptNumber: number;
  /** The end of the conversation's lease; recording the attempt with it releases that lease and no later one. */
  leaseUntil: number;
  channel: ClaimedChannel;
}

export interface ClaimOptions {
  now: number;
  leaseMs: number;
  /** Attempts to start, all channels together. */
  limit: number;
  /** Attempts one channel may have in flight; unbounded when omitted. */
  perChannel?: number;
  /** Attempts in flight now, by bot id: a channel gets `perChannel` minus these. */
  inFlight?: ReadonlyMap<string, number>;
  /**
   * The claiming instance (`instances.id`), written on each lease it takes: when its heartbeat
   * stops, the others free these leases at once (`releaseStoppedInstances`). None: the leases run out.
   */
  owner?: string;
}

/**
 * Claims due deliveries for one attempt each, in one transaction. Only conversation heads are
 * claimable (`delivery_heads`: the lowest pending delivery of each conversation), and only while
 * no lease holds their conversation, so a conversation has one attempt in flight at a time,
 * redeliveries included, and a failing head blocks its own conversation and nothing else.
 * Deliveries of a channel that is not active are held.
 *
 * Fair sharing: each active channel is offered at most its free slots (`perChannel` minus what
 * it has in flight), and the `limit` is dealt out one delivery per channel in turn, the channel
 * waiting longest first, so a channel with a deep backlog cannot take every slot.
 *
 * Each channel's ready heads are one index range (`delivery_heads_bot_ready`) read no further
 * than its share, so the cost follows the number of active channels and the deliveries claimed,
 * not the backlog. The claim bumps the attempt counters and leases each conversation until
 * `now + leaseMs`.
 */
export async function claimDueDeliveries(db: Db, opts: ClaimOptions): Promise<ClaimedDelivery[]> {
  const { now, leaseMs, limit, perChannel = limit, inFlight, owner = null } = opts;
  if (limit <= 0) return [];
  return inTransaction(db, async (trx) => {
    const channels = await trx
      .selectFrom('channels')
      .select(['bot_id', 'url', 'verify_token', 'secret', 'verified_at'])
      .where('status', '=', 'active')
      .execute();
    const offers: Array<{ botId: string; heads: Array<{ conversation_id: string; delivery_id: string; ready_at: number }> }> = [];
    for (const channel of channels) {
      const share = Math.min(limit, perChannel - (inFlight?.get(channel.bot_id) ?? 0));
      if (share <= 0) continue;
      const heads = await trx
        .selectFrom('delivery_heads')
        .select(['conversation_id', 'delivery_id', 'ready_at'])
        .where('bot_id', '=', channel.bot_id)
        .where('ready_at', '<=', now)
        .orderBy('ready_at')
        .limit(share)
        // PostgreSQL, several instances claiming at once: each takes heads the others have not
        // locked; a head another claim leased meanwhile is re-checked (its ready_at moved on).
        .$if(engineOf(trx) === 'postgres', (q) => q.forUpdate().skipLocked())
        .execute();
      if (heads.length > 0) offers.push({ botId: channel.bot_id, heads });
    }
    const taken = dealFairly(offers, limit);
    if (taken.length === 0) return [];

    const leaseUntil = now + leaseMs;
    await trx
      .updateTable('delivery_heads')
      .set({ lease_until: leaseUntil, ready_at: leaseUntil, leased_by: owner })
      .where('conversation_id', 'in', taken.map((h) => h.conversation_id))
      .execute();
    const ids = taken.map((h) => h.delivery_id);
    await trx
      .updateTable('deliveries')
      .set((eb) => ({ attempt_count: eb('attempt_count', '+', 1), round_attempt_count: eb('round_attempt_count', '+', 1), updated_at: now }))
      .where('id', 'in', ids)
      .execute();
    const rows = await trx.selectFrom('deliveries').selectAll().where('id', 'in', ids).execute();
    // On PostgreSQL a rotation that commits after the channels were read may show here already:
    // it only adds the secret read above as current, which signs anyway (signingSecrets dedupes).
    const previous = await trx
      .selectFrom('previous_secrets')
      .select(['id', 'bot_id', 'secret', 'expires_at'])
      .where('bot_id', 'in', [...new Set(rows.map((row) => row.bot_id))])
      .where('expires_at', '>', now)
      .execute();

    const byBot = new Map(channels.map((c) => [c.bot_id, c]));
    const byId = new Map(rows.map((row) => [row.id, row]));
    const previousByBot = new Map<string, typeof previous>();
    for (const row of previous) previousByBot.set(row.bot_id, [...(previousByBot.get(row.bot_id) ?? []), row]);
    return ids.map((id) => {
      const row = byId.get(id)!;
      const channel = byBot.get(row.bot_id)!;
      const { botId, conversationId, senderId, messageId, webhookId, messageCounter, event, attemptCount } = toDelivery(row);
      return {
        id, botId, conversationId, senderId, messageId, webhookId, messageCounter, event,
        attemptNumber: attemptCount,
        roundAttemptNumber: Number(row.round_attempt_count),
        leaseUntil,
        channel: {
          url: channel.url,
          verifyToken: openSecret(channel.verify_token),
          secret: openSecret(channel.secret),
          previousSecrets: toPreviousSecrets(previousByBot.get(row.bot_id) ?? []),
          verifiedAt: channel.verified_at === null ? null : Number(channel.verified_at),
        },
      };
    });
  });
}

/** One head per channel in turn, the channel whose oldest ready head waited longest first, until `limit`. */
function dealFairly<H extends { ready_at: number }>(offers: Array<{ heads: H[] }>, limit: number): H[] {
  const queues = offers.map((o) => o.heads).sort((a, b) => Number(a[0]!.ready_at) - Number(b[0]!.ready_at));
  const taken: H[] = [];
  for (let round = 0; taken.length < limit; round++) {
    let any = false;
    for (const heads of queues) {
      if (round >= heads.length) continue;
      any = true;
      taken.push(heads[round]!);
      if (taken.length === limit) break;
    }
    if (!any) break;
  }
  return taken;
}
