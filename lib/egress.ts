/**
 * How the watch function reaches SMTP servers. AWS blocks outbound port 25 for Lambda functions outside
 * a VPC, so without a VPC port-25 targets are left out (with a synth-time warning); with a VPC the
 * function runs in private subnets behind a NAT gateway whose Elastic IP can be unblocked on request.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import {
  FlowLogDestination,
  FlowLogTrafficType,
  GatewayVpcEndpointAwsService,
  type ISecurityGroup,
  type IVpc,
  Peer,
  Port,
  SecurityGroup,
  type SubnetSelection,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { Target } from '../lambdas/core/targets';
import type { EgressMode } from './stack-config';

/** Which targets a mode can probe, and which it must leave out. */
export interface EgressPlan {
  probed: Target[];
  skipped: Target[];
}

/** The id of the synth-time warning about left-out port-25 targets (acknowledgeable with `Validations`). */
export const PORT25_WARNING_ID = 'certwatch:port25-targets-left-out';

/** Splits targets by what the egress mode can reach: without a VPC nothing on port 25. */
export function planEgress(targets: readonly Target[], mode: EgressMode): EgressPlan {
  if (mode === 'vpc') return { probed: [...targets], skipped: [] };
  return { probed: targets.filter((t) => t.port !== 25), skipped: targets.filter((t) => t.port === 25) };
}

/** The warning shown at synth time when port-25 targets are left out: why, and how to include them. */
export function port25Warning(skipped: readonly Target[]): string {
  return (
    `certwatch leaves out ${skipped.length} port-25 target(s): ${shortList(skipped.map((t) => t.url))}. ` +
    'AWS blocks outbound port 25 for Lambda functions outside a VPC, so these probes could only time out. ' +
    'To watch them, deploy with -c egress=vpc (a new VPC with a NAT gateway) or -c vpcId=vpc-... (an existing VPC ' +
    "with NAT egress), then ask AWS to remove the port-25 restriction for the NAT gateway's Elastic IP " +
    '(docs/deploy.md, "Egress and port 25").'
  );
}

/** A list for a message: the first ten and how many more. */
function shortList(urls: readonly string[]): string {
  return urls.length <= 10 ? urls.join(', ') : `${urls.slice(0, 10).join(', ')} and ${urls.length - 10} more`;
}

/** Properties of {@link WatcherNetwork}. */
export interface WatcherNetworkProps {
  /** An existing VPC with private subnets that have NAT egress; default: a new VPC with one NAT gateway. */
  vpc?: IVpc;
  /** Target ports the function connects to (besides 443 for AWS APIs). */
  ports: readonly number[];
  /** Retention of the new VPC's flow log. */
  logRetention: RetentionDays;
}

/**
 * The VPC side of egress mode `vpc`: the VPC (new or given), the private subnets the function runs in,
 * and a security group that allows outbound only to the target ports and HTTPS.
 */
export class WatcherNetwork extends Construct {
  readonly vpc: IVpc;
  readonly subnets: SubnetSelection = { subnetType: SubnetType.PRIVATE_WITH_EGRESS };
  readonly securityGroup: ISecurityGroup;

  constructor(scope: Construct, id: string, props: WatcherNetworkProps) {
    super(scope, id);
    this.vpc = props.vpc ?? this.createVpc(props.logRetention);
    const group = new SecurityGroup(this, 'FunctionSecurityGroup', {
      vpc: this.vpc,
      description: 'certwatch function: outbound to the SMTP targets and AWS APIs only',
      allowAllOutbound: false,
    });
    group.addEgressRule(Peer.anyIpv4(), Port.tcp(443), 'HTTPS to DynamoDB, SNS and CloudWatch APIs');
    for (const port of [...new Set(props.ports)].sort((a, b) => a - b)) {
      if (port !== 443) group.addEgressRule(Peer.anyIpv4(), Port.tcp(port), `SMTP targets on port ${port}`);
    }
    this.securityGroup = group;
  }

  private createVpc(logRetention: RetentionDays): Vpc {
    const vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      restrictDefaultSecurityGroup: true,
      subnetConfiguration: [
        { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
      ],
    });
    // Table traffic skips the NAT gateway (free endpoint, and no NAT data charge per write).
    vpc.addGatewayEndpoint('DynamoDbEndpoint', { service: GatewayVpcEndpointAwsService.DYNAMODB });
    const flowLogs = new LogGroup(this, 'FlowLogs', { retention: logRetention, removalPolicy: RemovalPolicy.DESTROY });
    vpc.addFlowLog('RejectedTraffic', {
      destination: FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: FlowLogTrafficType.REJECT,
    });
    return vpc;
  }
}
