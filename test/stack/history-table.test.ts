/**
 * HistoryTable: the history table contract (docs/history-table.md), asserted on its template, and
 * the logical id users' data lives under, which the watcher must keep.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { TABLE_SCHEMA } from '../../lambdas/contract/table-schema';
import { HistoryTable } from '../../lib/history-table';
import { bareStack, templateOf } from './parts';
import { synth } from './synth';

test('keys on pk/sk, on demand, with point-in-time recovery and deletion protection', () => {
  // Prepare
  const stack = bareStack();

  // Act
  new HistoryTable(stack, 'History');

  // Assess
  templateOf(stack).hasResourceProperties('AWS::DynamoDB::Table', {
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
    PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    DeletionProtectionEnabled: true,
    TimeToLiveSpecification: { AttributeName: TABLE_SCHEMA.ttlAttribute, Enabled: true },
  });
});

test('has the byFingerprint index on gsi1pk/gsi1sk with every attribute projected', () => {
  // Prepare
  const stack = bareStack();

  // Act
  new HistoryTable(stack, 'History');

  // Assess
  templateOf(stack).hasResourceProperties('AWS::DynamoDB::Table', {
    GlobalSecondaryIndexes: [
      {
        IndexName: 'byFingerprint',
        KeySchema: [
          { AttributeName: 'gsi1pk', KeyType: 'HASH' },
          { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
    AttributeDefinitions: Match.arrayWith([{ AttributeName: 'gsi1pk', AttributeType: 'S' }]),
  });
});

test('is retained when the stack is deleted', () => {
  // Prepare
  const stack = bareStack();

  // Act
  new HistoryTable(stack, 'History');

  // Assess
  templateOf(stack).hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
});

test('keeps the logical id deployed stacks have (a new one would replace the users history table)', () => {
  // Act
  const s = synth({}, { quietPort25: true });

  // Assess: the id before the watcher was split into parts.
  expect(Object.keys(s.template.findResources('AWS::DynamoDB::Table'))).toEqual(['WatcherHistoryD96AC89F']);
});
