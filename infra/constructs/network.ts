/**
 * The network (ARCHITECTURE.md D6): a VPC with private isolated subnets only, no internet gateway
 * and no NAT, so no path that handles PHI can reach the internet. AWS services are reached through
 * an S3 gateway endpoint and the interface endpoints the functions need; every flow is logged to a
 * KMS-encrypted log group.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from '../nag/acknowledge.ts';
import { INLINE_POLICY_REASON } from '../nag/lambda-role.ts';

export type NetworkProps = {
  readonly maxAzs: number;
  /** AWS services the functions call through interface endpoints (S3 always has a gateway endpoint). */
  readonly interfaceEndpoints: readonly ec2.InterfaceVpcEndpointAwsService[];
  /** Encrypts the flow-log group. */
  readonly logsKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
};

export class Network extends Construct {
  readonly vpc: ec2.Vpc;
  /** The subnets every function and the database live in. */
  readonly isolatedSubnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
  /** Attached to every function: reaches the endpoints on 443 and the database on its port. */
  readonly functionsSecurityGroup: ec2.SecurityGroup;
  /** Attached to the interface endpoints: HTTPS from the functions only. */
  readonly endpointsSecurityGroup: ec2.SecurityGroup;
  readonly flowLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: props.maxAzs,
      natGateways: 0,
      subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 22 }],
      restrictDefaultSecurityGroup: true,
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    });

    this.flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      encryptionKey: props.logsKey,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const flowLog = this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
    const flowLogPolicy = flowLog.node.tryFindChild('IAMRole')?.node.tryFindChild('DefaultPolicy');
    if (flowLogPolicy !== undefined) acknowledge(flowLogPolicy, { id: 'HIPAA.Security-IAMNoInlinePolicy', reason: INLINE_POLICY_REASON });

    this.functionsSecurityGroup = new ec2.SecurityGroup(this, 'FunctionsSecurityGroup', {
      vpc: this.vpc,
      description: 'Chartproof functions: HTTPS to VPC endpoints, PostgreSQL to the database',
      allowAllOutbound: false,
    });
    // The isolated subnets' route tables hold only the VPC's own range and the S3 gateway's prefix
    // list, so 443 "anywhere" reaches the interface endpoints and S3 and nothing else. (The S3
    // prefix-list id is not known offline, which is why this is not narrowed to it.)
    this.functionsSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to VPC endpoints and the S3 gateway endpoint');

    this.endpointsSecurityGroup = new ec2.SecurityGroup(this, 'EndpointsSecurityGroup', {
      vpc: this.vpc,
      description: 'Chartproof interface endpoints: HTTPS from the functions only',
      allowAllOutbound: false,
    });
    this.endpointsSecurityGroup.addIngressRule(this.functionsSecurityGroup, ec2.Port.tcp(443), 'HTTPS from the functions');

    for (const service of props.interfaceEndpoints) {
      this.vpc.addInterfaceEndpoint(endpointId(service), {
        service,
        subnets: this.isolatedSubnets,
        securityGroups: [this.endpointsSecurityGroup],
        privateDnsEnabled: true,
        open: false,
      });
    }
  }
}

/** `com.amazonaws.<region>.secretsmanager` → `SecretsmanagerEndpoint`. */
function endpointId(service: ec2.InterfaceVpcEndpointAwsService): string {
  const name = service.shortName.replace(/[^A-Za-z0-9]/g, '');
  return `${name.charAt(0).toUpperCase()}${name.slice(1)}Endpoint`;
}
