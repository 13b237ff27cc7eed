/**
 * The wire transport through the AWS SDK's DynamoDB client: DynamoDB itself, DynamoDB Local, or dynalite
 * over HTTP. The client's own retries, timeouts and signing apply. The SDK module is required on the first
 * request, not when this module loads.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TableEngine } from './engine';
import { WireEngine, type WireMessage, type WireOperation, type WireTransport } from './wire-engine';

type Sdk = typeof import('@aws-sdk/client-dynamodb');

const COMMANDS = {
  GetItem: 'GetItemCommand',
  PutItem: 'PutItemCommand',
  UpdateItem: 'UpdateItemCommand',
  DeleteItem: 'DeleteItemCommand',
  Query: 'QueryCommand',
  Scan: 'ScanCommand',
  BatchGetItem: 'BatchGetItemCommand',
  BatchWriteItem: 'BatchWriteItemCommand',
  CreateTable: 'CreateTableCommand',
  DescribeTable: 'DescribeTableCommand',
} as const satisfies Record<WireOperation, keyof Sdk>;

/**
 * A DynamoDB client, or how to make one on the first request: the AWS SDK then loads with that request,
 * not with the module that holds the store (the Lambda handler's init, docs/performance.md).
 */
export type DynamoClientSource = DynamoDBClient | (() => DynamoDBClient);

/** Sends each request as the SDK command of the same name (the SDK is loaded on the first one). */
export function sdkTransport(source: DynamoClientSource): WireTransport {
  let client = typeof source === 'function' ? undefined : source;
  return {
    async send(operation: WireOperation, request: WireMessage): Promise<WireMessage> {
      client ??= (source as () => DynamoDBClient)();
      const sdk = require('@aws-sdk/client-dynamodb') as Sdk;
      const Command = sdk[COMMANDS[operation]] as unknown as new (
        input: WireMessage,
      ) => Parameters<DynamoDBClient['send']>[0];
      return (await client.send(new Command(request))) as unknown as WireMessage;
    },
  };
}

/** The store engine on a DynamoDB client. */
export function sdkEngine(source: DynamoClientSource, tableName: string): TableEngine {
  return new WireEngine(sdkTransport(source), tableName);
}
