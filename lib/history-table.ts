/**
 * The history table (contract: docs/history-table.md): keys and the `byFingerprint` index from
 * lambdas/contract/table-schema.ts, on-demand, point-in-time recovery, deletion protection, retained
 * when the stack goes. A Table itself (not a wrapper), so its construct id — and the logical id users'
 * data lives under — is the one the watcher gives it.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { TABLE_SCHEMA } from '../lambdas/contract/table-schema';

/** The single-table history of a watcher. */
export class HistoryTable extends Table {
  constructor(scope: Construct, id: string) {
    super(scope, id, {
      partitionKey: { name: TABLE_SCHEMA.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_SCHEMA.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      timeToLiveAttribute: TABLE_SCHEMA.ttlAttribute,
    });
    const index = TABLE_SCHEMA.fingerprintIndex;
    this.addGlobalSecondaryIndex({
      indexName: index.name,
      partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
      sortKey: { name: index.sortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });
  }
}
