/**
 * The history store on DynamoDB (or any DynamoDB-compatible endpoint, such as the embedded dynalite):
 * the single-table design of DESIGN.md, written through lib-dynamodb with conditional single-item
 * writes only (no transactions: dynalite has none, and none are needed).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type QueryCommandInput,
  type ScanCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { keys, TABLE_SCHEMA } from '../contract/table-schema';
import type { CertRecord, TargetHistory } from '../core/history';
import type { MxRecord } from '../core/mx';
import type { BaselineTargetFacts, Notice } from '../core/notice';
import type {
  HistoryStore,
  OutboxEntry,
  ProbeRate,
  SaveOutcome,
  StoredPosture,
  TargetChanges,
  WatchEdit,
} from '../core/ports';
import type { WatchItem, WatchList, WatchListMeta, WatchSource } from '../core/watch-list';
import { isConditionFailure, queryAll, scanAll, storeError } from './dynamo-calls';
import { DynamoRuns } from './dynamo-runs';
import { DynamoWatchList } from './dynamo-watch-list';
import type { StoreError } from './errors';
import { certFromItem, certItem, type Item, noticeItem, outboxFromItem, stateAttributes, stateFromItem } from './items';
import { checkTableName } from './table';

/** How long a sent notice's outbox item is kept before TTL may drop it (when TTL is enabled). */
const SENT_RETENTION_SECONDS = 90 * 86_400;

/** Options of {@link DynamoHistoryStore}. */
export interface DynamoHistoryStoreOptions {
  client: DynamoDBClient;
  tableName: string;
}

/** {@link HistoryStore} on a DynamoDB table. */
export class DynamoHistoryStore implements HistoryStore {
  readonly tableName: string;
  private readonly doc: DynamoDBDocumentClient;
  private readonly watch: DynamoWatchList;
  private readonly runs: DynamoRuns;

  constructor(options: DynamoHistoryStoreOptions) {
    this.tableName = checkTableName(options.tableName);
    this.doc = DynamoDBDocumentClient.from(options.client, {
      marshallOptions: { removeUndefinedValues: true },
    });
    this.watch = new DynamoWatchList(this.doc, this.tableName);
    this.runs = new DynamoRuns(this.doc, this.tableName);
  }

  saveRunBaselines(runId: string, facts: readonly BaselineTargetFacts[], now: Date): Promise<void> {
    return this.runs.saveRunBaselines(runId, facts, now);
  }

  loadRunBaselines(runId: string): Promise<BaselineTargetFacts[]> {
    return this.runs.loadRunBaselines(runId);
  }

  saveProbeRate(rate: ProbeRate): Promise<void> {
    return this.runs.saveProbeRate(rate);
  }

  loadProbeRate(): Promise<ProbeRate | null> {
    return this.runs.loadProbeRate();
  }

  loadWatchList(): Promise<WatchList | null> {
    return this.watch.loadWatchList();
  }

  putWatchItemsIfAbsent(items: readonly WatchItem[]): Promise<string[]> {
    return this.watch.putWatchItemsIfAbsent(items);
  }

  putWatchListMeta(meta: WatchListMeta): Promise<boolean> {
    return this.watch.putWatchListMeta(meta);
  }

  setContextDigest(digest: string): Promise<void> {
    return this.watch.setContextDigest(digest);
  }

  setWatchPolicy(target: string, policy: unknown): Promise<boolean> {
    return this.watch.setWatchPolicy(target, policy);
  }

  addWatchTargets(
    targets: readonly string[],
    source: WatchSource,
    now: Date,
    options: { reactivate: boolean },
  ): Promise<WatchEdit> {
    return this.watch.addWatchTargets(targets, source, now, options);
  }

  removeWatchTargets(targets: readonly string[], now: Date): Promise<WatchEdit> {
    return this.watch.removeWatchTargets(targets, now);
  }

  listHistoryTargets(): Promise<string[]> {
    return this.watch.listHistoryTargets();
  }

  loadMx(domain: string): Promise<MxRecord | null> {
    return this.watch.loadMx(domain);
  }

  saveMx(record: MxRecord): Promise<boolean> {
    return this.watch.saveMx(record);
  }

  listMx(): Promise<MxRecord[]> {
    return this.watch.listMx();
  }

  async loadTarget(target: string): Promise<TargetHistory> {
    const items = await this.query({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.target(target) },
      ConsistentRead: true,
    });
    return toHistory(items);
  }

  async saveTarget(changes: TargetChanges): Promise<SaveOutcome> {
    const { state } = changes;
    const certWrites = await Promise.allSettled(changes.changedCerts.map((record) => this.putCert(record)));
    const failed = certWrites.find((r) => r.status === 'rejected');
    if (failed) {
      const error = (failed as PromiseRejectedResult).reason;
      if (isConditionFailure(error)) {
        return {
          ok: false,
          reason: 'conflict',
          message: `a certificate of ${state.target} was written by another cycle`,
        };
      }
      throw this.wrap(error, `write certificates of ${state.target}`);
    }
    const attributes = stateAttributes(state);
    const names = Object.keys(attributes);
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: keys.target(state.target), sk: keys.state },
          UpdateExpression: `SET ${names.map((_, i) => `#a${i} = :a${i}`).join(', ')}, #version = :next`,
          ConditionExpression: state.version === 0 ? 'attribute_not_exists(pk)' : '#version = :version',
          ExpressionAttributeNames: {
            ...Object.fromEntries(names.map((n, i) => [`#a${i}`, n])),
            '#version': 'version',
          },
          ExpressionAttributeValues: {
            ...Object.fromEntries(names.map((n, i) => [`:a${i}`, attributes[n]])),
            ':next': state.version + 1,
            ...(state.version === 0 ? {} : { ':version': state.version }),
          },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) {
        return { ok: false, reason: 'conflict', message: `the state of ${state.target} was written by another cycle` };
      }
      throw this.wrap(error, `write the state of ${state.target}`);
    }
    return { ok: true, writes: changes.changedCerts.length + 1 };
  }

  private async putCert(record: CertRecord): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: certItem(record, record.rev + 1),
        ConditionExpression: record.rev === 0 ? 'attribute_not_exists(pk)' : 'rev = :rev',
        ExpressionAttributeValues: record.rev === 0 ? undefined : { ':rev': record.rev },
      }),
    );
  }

  async recordNotices(notices: readonly Notice[], now: Date): Promise<string[]> {
    const createdAt = now.toISOString();
    const recorded: string[] = [];
    // One after another: a crash leaves a prefix recorded, never a later notice without an earlier one.
    for (const [seq, notice] of notices.entries()) {
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: noticeItem(notice, createdAt, seq),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        recorded.push(notice.dedupeKey);
      } catch (error) {
        if (!isConditionFailure(error)) throw this.wrap(error, 'record a notice');
      }
    }
    return recorded;
  }

  async pendingNotices(): Promise<OutboxEntry[]> {
    return this.outbox(true);
  }

  async listNotices(): Promise<OutboxEntry[]> {
    return this.outbox(false);
  }

  private async outbox(pendingOnly: boolean): Promise<OutboxEntry[]> {
    const items = await this.query({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :notice)',
      ...(pendingOnly
        ? {
            FilterExpression: '#status = :pending',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':pk': keys.outbox, ':notice': 'NOTICE#', ':pending': 'pending' },
          }
        : { ExpressionAttributeValues: { ':pk': keys.outbox, ':notice': 'NOTICE#' } }),
      ConsistentRead: true,
    });
    return items
      .map(outboxFromItem)
      .sort(
        (a, b) => a.createdAt.localeCompare(b.createdAt) || a.seq - b.seq || a.dedupeKey.localeCompare(b.dedupeKey),
      );
  }

  async claimNotice(dedupeKey: string, claimant: string, now: Date, leaseMs: number): Promise<OutboxEntry | null> {
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: keys.outbox, sk: keys.notice(dedupeKey) },
          UpdateExpression:
            'SET claimedBy = :me, claimedUntil = :until, attempts = if_not_exists(attempts, :zero) + :one',
          ConditionExpression: '#status = :pending AND (attribute_not_exists(claimedUntil) OR claimedUntil < :now)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':me': claimant,
            ':until': new Date(now.getTime() + leaseMs).toISOString(),
            ':now': now.toISOString(),
            ':pending': 'pending',
            ':zero': 0,
            ':one': 1,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? outboxFromItem(Attributes) : null;
    } catch (error) {
      if (isConditionFailure(error)) return this.ownLiveClaim(dedupeKey, claimant, now);
      throw this.wrap(error, `claim notice ${dedupeKey}`);
    }
  }

  /**
   * After a refused claim: when the answer to our own claim was lost and the SDK's retry met the claim
   * it had just taken, the notice is ours (same claimant, lease running) and is returned, so it is
   * published now rather than a lease later.
   */
  private async ownLiveClaim(dedupeKey: string, claimant: string, now: Date): Promise<OutboxEntry | null> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: keys.outbox, sk: keys.notice(dedupeKey) },
        ConsistentRead: true,
      }),
    );
    if (Item?.status !== 'pending' || Item.claimedBy !== claimant) return null;
    return String(Item.claimedUntil) >= now.toISOString() ? outboxFromItem(Item) : null;
  }

  async markSent(dedupeKey: string, claimant: string, now: Date, messageId: string | null): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: keys.outbox, sk: keys.notice(dedupeKey) },
          UpdateExpression: `SET #status = :sent, sentAt = :now, messageId = :mid, ${TABLE_SCHEMA.ttlAttribute} = :ttl REMOVE claimedBy, claimedUntil, lastError`,
          ConditionExpression: 'claimedBy = :me',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':sent': 'sent',
            ':now': now.toISOString(),
            ':mid': messageId,
            ':ttl': Math.floor(now.getTime() / 1000) + SENT_RETENTION_SECONDS,
            ':me': claimant,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw this.wrap(error, `mark notice ${dedupeKey} sent`);
    }
  }

  async releaseNotice(dedupeKey: string, claimant: string, error: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: keys.outbox, sk: keys.notice(dedupeKey) },
          UpdateExpression: 'SET lastError = :error REMOVE claimedBy, claimedUntil',
          ConditionExpression: 'claimedBy = :me',
          ExpressionAttributeValues: { ':error': error.slice(0, 1000), ':me': claimant },
        }),
      );
    } catch (cause) {
      // Lost the claim meanwhile: the lease holder decides; nothing to give back.
      if (isConditionFailure(cause)) return;
      throw this.wrap(cause, `release notice ${dedupeKey}`);
    }
  }

  async hasNotice(dedupeKey: string): Promise<boolean> {
    try {
      const { Item } = await this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: keys.outbox, sk: keys.notice(dedupeKey) },
          ProjectionExpression: 'pk',
          ConsistentRead: true,
        }),
      );
      return Item !== undefined;
    } catch (error) {
      throw this.wrap(error, 'look up a notice');
    }
  }

  async loadPostures(target: string): Promise<Record<string, StoredPosture>> {
    try {
      const { Item } = await this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: keys.target(target), sk: keys.posture },
          ConsistentRead: true,
        }),
      );
      return (Item?.postures as Record<string, StoredPosture> | undefined) ?? {};
    } catch (error) {
      throw this.wrap(error, `read the TLS posture of ${target}`);
    }
  }

  async savePostures(target: string, postures: Record<string, StoredPosture>, now: Date): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: keys.target(target), sk: keys.posture, postures, updatedAt: now.toISOString() },
        }),
      );
    } catch (error) {
      throw this.wrap(error, `write the TLS posture of ${target}`);
    }
  }

  async listHistories(): Promise<Map<string, TargetHistory>> {
    const items = await this.scan({
      FilterExpression: 'begins_with(pk, :target)',
      ExpressionAttributeValues: { ':target': 'TARGET#' },
    });
    const byTarget = new Map<string, Item[]>();
    for (const item of items) {
      const pk = String(item.pk);
      byTarget.set(pk, [...(byTarget.get(pk) ?? []), item]);
    }
    return new Map(
      [...byTarget.entries()]
        .map(([pk, group]) => [pk.slice('TARGET#'.length), toHistory(group)] as const)
        .sort(([a], [b]) => a.localeCompare(b)),
    );
  }

  async findByFingerprint(sha256: string): Promise<CertRecord[]> {
    const { fingerprintIndex } = TABLE_SCHEMA;
    const items = await this.query({
      IndexName: fingerprintIndex.name,
      KeyConditionExpression: `${fingerprintIndex.partitionKey} = :fp`,
      ExpressionAttributeValues: { ':fp': keys.fingerprint(sha256.toLowerCase()) },
    });
    return items.map(certFromItem);
  }

  /** The distinct SHA-256 fingerprints of stored certificates that start with `prefix` (lowercase hex). */
  async fingerprintsStartingWith(prefix: string): Promise<string[]> {
    const { fingerprintIndex } = TABLE_SCHEMA;
    const items = await this.scan({
      IndexName: fingerprintIndex.name,
      FilterExpression: `begins_with(${fingerprintIndex.partitionKey}, :fp)`,
      ExpressionAttributeValues: { ':fp': keys.fingerprint(prefix.toLowerCase()) },
      ProjectionExpression: 'sha256',
    });
    return [...new Set(items.map((item) => String(item.sha256)))].sort();
  }

  private query(input: Omit<QueryCommandInput, 'TableName'>): Promise<Item[]> {
    return queryAll(this.doc, this.tableName, input);
  }

  private scan(input: Omit<ScanCommandInput, 'TableName'>): Promise<Item[]> {
    return scanAll(this.doc, this.tableName, input);
  }

  private wrap(error: unknown, doing: string): StoreError {
    return storeError(error, this.tableName, doing);
  }
}

function toHistory(items: readonly Item[]): TargetHistory {
  const stateItem = items.find((i) => i.sk === keys.state);
  const certs = items.filter((i) => String(i.sk).startsWith('CERT#')).map(certFromItem);
  return {
    state: stateItem
      ? stateFromItem(
          stateItem,
          certs.map((c) => c.sha256),
        )
      : null,
    certs,
  };
}
