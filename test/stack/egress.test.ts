/**
 * Egress modes: no VPC (default; port-25 targets left out with a synth-time warning), `-c egress=vpc`
 * (new VPC with a NAT gateway; all targets) and `-c vpcId=...` (existing VPC found by lookup).
 */

import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { DEFAULT_TARGET_URLS } from '../../lambdas/core/targets';
import { SETTINGS } from '../../lambdas/settings/table';
import { PORT25_WARNING_ID } from '../../lib/egress';
import { ctStepTiming, runTiming } from '../../lib/run-timing';
import { ACCOUNT, logicalId, REGION, type Synth, synth } from './synth';

/** The default stack reads CT logs between Plan and the shards (docs/ct.md): its step is in the run's sum. */
const DEFAULT_CT_STEP = { extraSteps: [ctStepTiming(SETTINGS.ctBudgetSeconds.default)] };

const VPC_ID = 'vpc-0123456789abcdef0';
const LOOKUP_KEY = `vpc-provider:account=${ACCOUNT}:filter.vpc-id=${VPC_ID}:region=${REGION}:returnAsymmetricSubnets=true`;
/** What `cdk synth` would have stored in cdk.context.json after looking the VPC up. */
const LOOKED_UP_VPC = {
  vpcId: VPC_ID,
  vpcCidrBlock: '10.20.0.0/16',
  ownerAccountId: ACCOUNT,
  availabilityZones: [],
  subnetGroups: [
    {
      name: 'Public',
      type: 'Public',
      subnets: [
        {
          subnetId: 'subnet-0aaa0000000000001',
          cidr: '10.20.0.0/24',
          availabilityZone: 'eu-west-1a',
          routeTableId: 'rtb-01',
        },
        {
          subnetId: 'subnet-0aaa0000000000002',
          cidr: '10.20.1.0/24',
          availabilityZone: 'eu-west-1b',
          routeTableId: 'rtb-02',
        },
      ],
    },
    {
      name: 'Private',
      type: 'Private',
      subnets: [
        {
          subnetId: 'subnet-0bbb0000000000001',
          cidr: '10.20.2.0/24',
          availabilityZone: 'eu-west-1a',
          routeTableId: 'rtb-03',
        },
        {
          subnetId: 'subnet-0bbb0000000000002',
          cidr: '10.20.3.0/24',
          availabilityZone: 'eu-west-1b',
          routeTableId: 'rtb-04',
        },
      ],
    },
  ],
};

const port25Warning = Match.stringLikeRegexp('port-25');

describe('without a VPC (default)', () => {
  let s: Synth;
  beforeAll(() => {
    s = synth();
  });

  test('warns at synth time which port-25 targets are left out, why, and how to include them', () => {
    const warnings = Annotations.fromStack(s.stack).findWarning('/Certwatch/Watcher', port25Warning);
    expect(warnings).toHaveLength(1);
    const message = String(warnings[0].entry.data);
    expect(message).toContain('smtp://aspmx.l.google.com:25, smtp://smtp-relay.gmail.com:25');
    expect(message).toContain('AWS blocks outbound port 25 for Lambda functions outside a VPC');
    expect(message).toContain('-c egress=vpc');
    expect(message).toContain('remove the port-25 restriction');
    expect(message).toContain(PORT25_WARNING_ID);
  });

  test('probes only the targets off port 25 and reports port-25 timeouts as EGRESS_BLOCKED', () => {
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          CERTWATCH_PORT25_BLOCKED: 'true',
        }),
      },
    });
    // The list the function is shipped with (data/watch-targets.txt beside the handler).
    expect(s.stack.watcher.probedTargets.map((t) => t.url)).toEqual(
      DEFAULT_TARGET_URLS.filter((url) => !url.endsWith(':25')),
    );
  });

  test('creates no network and attaches the function to none', () => {
    s.template.resourceCountIs('AWS::EC2::VPC', 0);
    s.template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    s.template.hasResourceProperties('AWS::Lambda::Function', { VpcConfig: Match.absent() });
  });

  test('creates the function after its role policy exists', () => {
    const [policy] = Object.keys(
      s.template.findResources('AWS::IAM::Policy', {
        Properties: { PolicyName: Match.stringLikeRegexp('FunctionRoleDefaultPolicy') },
      }),
    );
    const fn = Object.values(s.template.findResources('AWS::Lambda::Function'))[0];
    expect(fn.DependsOn).toContain(policy);
  });
});

describe('with -c egress=vpc', () => {
  let s: Synth;
  beforeAll(() => {
    s = synth({ egress: 'vpc', posture: 'off' });
  });

  test('probes every target, port 25 included, and gives no port-25 warning', () => {
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          CERTWATCH_PORT25_BLOCKED: 'false',
        }),
      },
    });
    expect(s.stack.watcher.probedTargets.map((t) => t.url)).toEqual([...DEFAULT_TARGET_URLS]);
    expect(Annotations.fromStack(s.stack).findWarning('*', port25Warning)).toHaveLength(0);
  });

  test('gives the function the shard time of the schedule, in a VPC as without one', () => {
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: runTiming(900, DEFAULT_CT_STEP).functionSeconds,
    });
  });

  test('builds a VPC with one NAT gateway, its Elastic IP, a DynamoDB endpoint and a rejected-traffic flow log', () => {
    s.template.resourceCountIs('AWS::EC2::VPC', 1);
    s.template.resourceCountIs('AWS::EC2::NatGateway', 1);
    s.template.resourceCountIs('AWS::EC2::EIP', 1);
    s.template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.dynamodb']] },
    });
    s.template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT', ResourceType: 'VPC' });
  });

  test('runs the function in the private subnets behind a security group open outbound only to 443 and the target ports', () => {
    const network = s.stack.watcher.network;
    if (!network) throw new Error('no network in vpc mode');
    const group = logicalId(s, network.securityGroup as never);
    const privateSubnets = network.vpc.privateSubnets.map((subnet) => ({ Ref: logicalId(s, subnet as never) }));
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: { SubnetIds: privateSubnets, SecurityGroupIds: [{ 'Fn::GetAtt': [group, 'GroupId'] }] },
    });
    s.template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupEgress: [443, 25, 465, 587].map((port) =>
        Match.objectLike({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: port, ToPort: port }),
      ),
      SecurityGroupIngress: Match.absent(),
    });
  });

  test('grants the ENI actions Lambda needs for VPC access, and only those, before the function is created', () => {
    const policyId = s.stack.getLogicalId(s.stack.watcher.function.vpcAccess?.node.defaultChild as never);
    s.template.hasResource('AWS::IAM::Policy', {
      Properties: {
        PolicyDocument: {
          Statement: [
            {
              Effect: 'Allow',
              Resource: '*',
              Action: [
                'ec2:AssignPrivateIpAddresses',
                'ec2:CreateNetworkInterface',
                'ec2:DeleteNetworkInterface',
                'ec2:DescribeNetworkInterfaces',
                'ec2:DescribeSubnets',
                'ec2:UnassignPrivateIpAddresses',
              ],
            },
          ],
        },
      },
    });
    const fn = Object.values(s.template.findResources('AWS::Lambda::Function'))[0];
    expect(fn.DependsOn).toContain(policyId);
  });
});

describe('with -c vpcId=...', () => {
  test('runs in the looked-up VPC private subnets and creates no VPC of its own', () => {
    // Prepare
    const context = { vpcId: VPC_ID, [LOOKUP_KEY]: LOOKED_UP_VPC };

    // Act
    const s = synth(context);

    // Assess
    s.template.resourceCountIs('AWS::EC2::VPC', 0);
    s.template.resourceCountIs('AWS::EC2::NatGateway', 0);
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: { SubnetIds: ['subnet-0bbb0000000000001', 'subnet-0bbb0000000000002'] },
      Environment: { Variables: Match.objectLike({ CERTWATCH_PORT25_BLOCKED: 'false' }) },
    });
    s.template.hasResourceProperties('AWS::EC2::SecurityGroup', { VpcId: VPC_ID });
  });

  test('synthesizes offline without the lookup result and asks the CLI to look the VPC up', () => {
    // Prepare
    const s = synth({ vpcId: VPC_ID });

    // Act
    const missing = s.app.synth().manifest.missing ?? [];

    // Assess
    expect(missing).toEqual([expect.objectContaining({ key: LOOKUP_KEY, provider: 'vpc-provider' })]);
  });
});
