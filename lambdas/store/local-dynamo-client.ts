/** A DynamoDB client for a local engine (the embedded store's dynalite, or a shard worker's parent). */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AWS_REQUEST_TIMEOUTS } from '../aws/aws-timeouts';

/** A DynamoDB client for a local endpoint: fixed dummy credentials and region, no credential chain lookup. */
export function localDynamoClient(endpoint: string): DynamoDBClient {
  // Loaded on first use, not with this module: the embedded store's own path never needs the AWS SDK.
  const sdk = require('@aws-sdk/client-dynamodb') as typeof import('@aws-sdk/client-dynamodb');
  return new sdk.DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'certwatch', secretAccessKey: 'certwatch' },
    maxAttempts: 3,
    requestHandler: { ...AWS_REQUEST_TIMEOUTS },
  });
}
