/**
 * The notice topic: SNS, encrypted with a key of its own (rotated yearly), TLS enforced, with e-mail
 * subscriptions; CloudWatch alarms of the same account may publish to it (and use its key). A Topic
 * itself, so its construct id — and its logical id, which subscribers hang on — is the watcher's choice.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';

/** Properties of {@link NoticeTopic}. */
export interface NoticeTopicProps {
  /** Addresses subscribed by e-mail (each confirms). */
  alertEmails?: readonly string[];
}

/** Where the notices go. */
export class NoticeTopic extends Topic {
  /** The topic's own KMS key. */
  readonly key: Key;

  constructor(scope: Construct, id: string, props: NoticeTopicProps = {}) {
    // The key is created beside the topic (id `TopicKey`), where it has always been: moving it would
    // replace the key of a deployed topic.
    const key = new Key(scope, 'TopicKey', {
      description: 'certwatch: encrypts the notice topic',
      enableKeyRotation: true,
      pendingWindow: Duration.days(7),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    super(scope, id, { displayName: 'certwatch notices', masterKey: key, enforceSSL: true });
    this.key = key;
    // Alarms publish to the topic too, so CloudWatch may use its key (scoped to this account).
    const alarms = {
      sid: 'AllowCloudWatchAlarmsToPublish',
      principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
    };
    key.addToResourcePolicy(
      new PolicyStatement({ ...alarms, actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: ['*'] }),
    );
    this.addToResourcePolicy(new PolicyStatement({ ...alarms, actions: ['sns:Publish'], resources: [this.topicArn] }));
    for (const email of props.alertEmails ?? []) this.addSubscription(new EmailSubscription(email));
  }
}
