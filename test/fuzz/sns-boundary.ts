/**
 * SNS faked at the SDK boundary, and nowhere else: the real `SnsPublisher` builds and sends a real
 * `PublishCommand` through an `SNSClient` whose `send` aws-sdk-client-mock replaces. The fake keeps the
 * ledger of what SNS accepted (by dedupe key) and can fail or time out chosen calls.
 */
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { CLAIM_LEASE_MS } from '../../lambdas/core/budgets';
import { SnsPublisher } from '../../lambdas/notify/sns-publisher';

/** The topic the campaigns publish to (never contacted). */
export const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:certwatch-fuzz';
/** How long a publish claim holds in the campaigns (the cycle's default). */
export const LEASE_MS = CLAIM_LEASE_MS;

/** How the fake SNS behaves on one publish call (0-based index within a run). */
export type SnsBehaviour = (index: number) => 'deliver' | 'fail' | 'timeout' | 'deliver-then-timeout';

/** SNS at the SDK boundary: a real SnsPublisher whose client's `send` is aws-sdk-client-mock's. */
export interface SnsAtSdkBoundary {
  publisher: SnsPublisher;
  /** Dedupe keys SNS accepted, in order (a key twice = a duplicate notice). */
  delivered: string[];
  calls: number;
  restore(): void;
}

/** A mocked SNS client and the real publisher on it; `behaviour` decides each call. */
export function snsAtSdkBoundary(behaviour: SnsBehaviour = () => 'deliver'): SnsAtSdkBoundary {
  const client = new SNSClient({ region: 'us-east-1' });
  const mock = mockClient(client);
  const ledger: SnsAtSdkBoundary = {
    publisher: new SnsPublisher({ topicArn: TOPIC_ARN, client }),
    delivered: [],
    calls: 0,
    restore: () => mock.restore(),
  };
  mock.on(PublishCommand).callsFake(async (input: PublishCommandInput) => {
    const index = ledger.calls++;
    const action = behaviour(index);
    const body = JSON.parse(JSON.parse(input.Message ?? '{}').default ?? '{}') as { dedupeKey?: string };
    if (action === 'deliver' || action === 'deliver-then-timeout') ledger.delivered.push(String(body.dedupeKey));
    if (action === 'deliver') return { MessageId: `sns-${index}` };
    const error = new Error(action === 'fail' ? 'Internal error (injected)' : 'socket timed out (injected)');
    error.name = action === 'fail' ? 'InternalErrorException' : 'TimeoutError';
    throw error;
  });
  return ledger;
}
