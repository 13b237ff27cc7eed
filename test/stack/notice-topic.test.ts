/**
 * NoticeTopic: an SNS topic encrypted with its own rotated key, TLS only, open to the account's CloudWatch
 * alarms, with e-mail subscriptions; and the logical ids of topic and key, which the watcher must keep.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { NoticeTopic } from '../../lib/notice-topic';
import { ACCOUNT, bareStack, templateOf } from './parts';
import { synth } from './synth';

test('is encrypted with a key of its own, rotated, and refuses publishing without TLS', () => {
  // Prepare
  const stack = bareStack();

  // Act
  const topic = new NoticeTopic(stack, 'Notices');

  // Assess
  const template = templateOf(stack);
  const keyId = stack.getLogicalId(topic.key.node.defaultChild as never);
  template.hasResourceProperties('AWS::SNS::Topic', {
    DisplayName: 'certwatch notices',
    KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
  });
  template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, PendingWindowInDays: 7 });
  template.hasResourceProperties('AWS::SNS::TopicPolicy', {
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      ]),
    },
  });
});

test("lets this account's CloudWatch alarms publish and use the key, and nobody else's", () => {
  // Prepare
  const stack = bareStack();

  // Act
  new NoticeTopic(stack, 'Notices');

  // Assess
  const alarms = {
    Sid: 'AllowCloudWatchAlarmsToPublish',
    Principal: { Service: 'cloudwatch.amazonaws.com' },
    Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
  };
  const template = templateOf(stack);
  template.hasResourceProperties('AWS::SNS::TopicPolicy', {
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ ...alarms, Action: 'sns:Publish' })]) },
  });
  template.hasResourceProperties('AWS::KMS::Key', {
    KeyPolicy: {
      Statement: Match.arrayWith([Match.objectLike({ ...alarms, Action: ['kms:Decrypt', 'kms:GenerateDataKey'] })]),
    },
  });
});

test('subscribes each alert e-mail address', () => {
  // Prepare
  const stack = bareStack();

  // Act
  new NoticeTopic(stack, 'Notices', { alertEmails: ['ops@example.com', 'oncall@example.com'] });

  // Assess
  const template = templateOf(stack);
  template.resourceCountIs('AWS::SNS::Subscription', 2);
  template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
});

test('keeps the logical ids of topic and key that deployed stacks have (subscribers hang on the topic)', () => {
  // Act
  const s = synth({}, { quietPort25: true });

  // Assess: the ids before the watcher was split into parts.
  expect(Object.keys(s.template.findResources('AWS::SNS::Topic'))).toEqual(['WatcherNotices23FC0B60']);
  expect(Object.keys(s.template.findResources('AWS::KMS::Key'))).toEqual(['WatcherTopicKey9CE25E2E']);
});
