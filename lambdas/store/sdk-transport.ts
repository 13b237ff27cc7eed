/**
 * The wire transport through the AWS SDK's DynamoDB client: DynamoDB itself, DynamoDB Local, or dynalite
 * over HTTP. The client's own retries, timeouts and signing apply.
 */
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { TableEngine } from './engine';
import { WireEngine, type WireMessage, type WireOperation, type WireTransport } from './wire-engine';

const COMMANDS = {
  GetItem: GetItemCommand,
  PutItem: PutItemCommand,
  UpdateItem: UpdateItemCommand,
  DeleteItem: DeleteItemCommand,
  Query: QueryCommand,
  Scan: ScanCommand,
  BatchGetItem: BatchGetItemCommand,
  BatchWriteItem: BatchWriteItemCommand,
  CreateTable: CreateTableCommand,
  DescribeTable: DescribeTableCommand,
} as const satisfies Record<WireOperation, unknown>;

/** Sends each request as the SDK command of the same name. */
export function sdkTransport(client: DynamoDBClient): WireTransport {
  return {
    async send(operation: WireOperation, request: WireMessage): Promise<WireMessage> {
      const Command = COMMANDS[operation] as unknown as new (
        input: WireMessage,
      ) => Parameters<DynamoDBClient['send']>[0];
      return (await client.send(new Command(request))) as unknown as WireMessage;
    },
  };
}

/** The store engine on a DynamoDB client. */
export function sdkEngine(client: DynamoDBClient, tableName: string): TableEngine {
  return new WireEngine(sdkTransport(client), tableName);
}
