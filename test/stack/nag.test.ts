/**
 * cdk-nag AwsSolutions on every egress configuration: no unacknowledged error or warning, and every
 * acknowledgement is one of the known, reasoned ones. A control case shows the check does find things.
 */
import { Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { type Synth, synth } from './synth';

const LOOKED_UP = {
  vpcId: 'vpc-0123456789abcdef0',
  'vpc-provider:account=123456789012:filter.vpc-id=vpc-0123456789abcdef0:region=eu-west-1:returnAsymmetricSubnets=true':
    {
      vpcId: 'vpc-0123456789abcdef0',
      vpcCidrBlock: '10.20.0.0/16',
      availabilityZones: [],
      subnetGroups: [
        {
          name: 'Private',
          type: 'Private',
          subnets: [
            {
              subnetId: 'subnet-0bbb0000000000001',
              cidr: '10.20.2.0/24',
              availabilityZone: 'eu-west-1a',
              routeTableId: 'rtb-3',
            },
            {
              subnetId: 'subnet-0bbb0000000000002',
              cidr: '10.20.3.0/24',
              availabilityZone: 'eu-west-1b',
              routeTableId: 'rtb-4',
            },
          ],
        },
      ],
    },
};

const CONFIGURATIONS: Array<[string, Record<string, unknown>]> = [
  ['no VPC (default)', { alertEmail: 'ops@example.com' }],
  ['a new VPC (-c egress=vpc)', { egress: 'vpc' }],
  ['an existing VPC (-c vpcId=...)', LOOKED_UP],
];

/** Findings as `rule at path` lines, readable in a failure message. */
function findings(s: Synth): string[] {
  const report = new AwsSolutionsChecks().validateScope(s.app);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath}: ${v.description}`),
  );
}

/** Every acknowledgement in the tree: rule id and reason. */
function acknowledgements(root: IConstruct): Array<{ id: string; reason: string; path: string }> {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, unknown>).map(([id, reason]) => ({
          id: id.replace(/^annotation::/i, ''),
          reason: typeof reason === 'string' ? reason : JSON.stringify(reason),
          path: construct.node.path,
        })),
      ),
  );
}

describe.each(CONFIGURATIONS)('AwsSolutions with %s', (_name, context) => {
  let s: Synth;
  beforeAll(() => {
    s = synth(context, { quietPort25: true });
  });

  test('reports no unacknowledged error or warning', () => {
    expect(findings(s)).toEqual([]);
  });

  test('acknowledges only the known findings, each with a reason', () => {
    const nag = acknowledgements(s.stack).filter((a) => a.id.startsWith('AwsSolutions-'));
    for (const ack of nag) {
      const known = ['AwsSolutions-SQS3', 'AwsSolutions-IAM5[Resource::*]'];
      // The run state machines (watch, posture): invoking the one watch function (its qualified ARNs), and
      // the Distributed Map's own policy over the child executions of that same state machine.
      const machine = /^Certwatch\/Watcher\/(RunMachine|PostureMachine)\/Run\//.exec(ack.path);
      if (machine) {
        expect(ack.id).toMatch(
          new RegExp(
            `^AwsSolutions-IAM5\\[Resource::(\\*|<Watcher[A-Za-z]+[0-9A-F]{8}\\.Arn>:\\*|arn:[^:]+:states:[^:]+:[^:]+:execution:\\{.*"Ref":"Watcher${machine[1]}Run[0-9A-F]+"\\}\\]\\}\\]\\}(\\/\\*)?:\\*)\\]$`,
          ),
        );
      } else expect(known).toContain(ack.id);
      expect(ack.reason.length).toBeGreaterThan(80);
    }
    expect(nag.map((a) => a.path)).toContain('Certwatch/Watcher/Function/DeadLetters');
  });
});

test('the AwsSolutions check reports a finding that nobody acknowledged (control)', () => {
  // Prepare
  const s = synth({}, { quietPort25: true });
  new Queue(s.stack, 'UnencryptedQueue', { enforceSSL: false });

  // Act
  const found = findings(s);

  // Assess
  expect(found.some((line) => line.includes('AwsSolutions-SQS4 at Certwatch/UnencryptedQueue'))).toBe(true);
});
