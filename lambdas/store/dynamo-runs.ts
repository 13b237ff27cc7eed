/**
 * Fanned-out runs on the table: each shard's BASELINE facts (one item per target, dropped by TTL a week
 * later) until the merge step raises the run's one BASELINE, and the probe rate the planner sizes shards by.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys, TABLE_SCHEMA } from '../contract/table-schema';
import type { BaselineTargetFacts } from '../core/notice';
import type { ProbeRate, RunStore } from '../core/ports';
import { eachWithLimit, queryAll, storeError } from './dynamo-calls';

const RUN_RETENTION_SECONDS = 7 * 86_400;

/** {@link RunStore} on a DynamoDB table (the history store delegates to it). */
export class DynamoRuns implements RunStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async saveRunBaselines(runId: string, facts: readonly BaselineTargetFacts[], now: Date): Promise<void> {
    const expiresAt = Math.floor(now.getTime() / 1000) + RUN_RETENTION_SECONDS;
    await eachWithLimit(facts, 16, async (fact) => {
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              pk: keys.run(runId),
              sk: keys.runBaseline(fact.target),
              kind: 'RUN_BASELINE',
              facts: fact,
              [TABLE_SCHEMA.ttlAttribute]: expiresAt,
            },
          }),
        );
      } catch (error) {
        throw storeError(error, this.tableName, `record the baseline of ${fact.target}`);
      }
    });
  }

  async loadRunBaselines(runId: string): Promise<BaselineTargetFacts[]> {
    const items = await queryAll(this.doc, this.tableName, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :b)',
      ExpressionAttributeValues: { ':pk': keys.run(runId), ':b': 'BASELINE#' },
      ConsistentRead: true,
    });
    return items.map((i) => i.facts as BaselineTargetFacts);
  }

  async saveProbeRate(rate: ProbeRate): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: keys.runs, sk: keys.probeRate, kind: 'RATE', ...rate },
        }),
      );
    } catch (error) {
      throw storeError(error, this.tableName, 'record the probe rate');
    }
  }

  async loadProbeRate(): Promise<ProbeRate | null> {
    try {
      const { Item } = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: keys.runs, sk: keys.probeRate } }),
      );
      if (!Item) return null;
      return { entries: Number(Item.entries), seconds: Number(Item.seconds), at: String(Item.at) };
    } catch (error) {
      throw storeError(error, this.tableName, 'read the probe rate');
    }
  }
}
