/**
 * The journal's database (ARCHITECTURE.md D1, D6): Aurora PostgreSQL Serverless v2 in the isolated
 * subnets, storage encrypted with the database key, IAM authentication (functions connect with
 * 15-minute IAM tokens as the runtime role, never with a password), deletion protection, automated
 * backups, the PostgreSQL log in a KMS-encrypted log group, TLS required, and PostgreSQL reachable
 * from the functions' security group only.
 *
 * The master password is managed and rotated by RDS in Secrets Manager (encrypted with the database
 * key); only the schema-migration function reads it, at deploy time.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { acknowledge } from '../nag/acknowledge.ts';

export const DATABASE_PORT = 5432;
export const DATABASE_NAME = 'chartproof';
export const MASTER_USERNAME = 'chartproof_admin';
/** The LOGIN role the functions connect as (IAM authentication through rds_iam). */
export const RUNTIME_DATABASE_USER = 'chartproof_runtime';

export type DatabaseProps = {
  /** Used for the cluster identifier, which names its log group. */
  readonly clusterIdentifier: string;
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  /** The only security group allowed to connect. */
  readonly clientSecurityGroup: ec2.ISecurityGroup;
  readonly databaseKey: kms.IKey;
  readonly logsKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly autoPauseMinutes: number;
  readonly backupRetentionDays: number;
  readonly multiAz: boolean;
};

export class Database extends Construct {
  readonly cluster: rds.DatabaseCluster;
  readonly securityGroup: ec2.SecurityGroup;
  readonly logGroup: logs.LogGroup;
  readonly databaseName = DATABASE_NAME;
  readonly port = DATABASE_PORT;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Chartproof database: PostgreSQL from the functions only',
      allowAllOutbound: false,
    });
    this.securityGroup.addIngressRule(props.clientSecurityGroup, ec2.Port.tcp(DATABASE_PORT), 'PostgreSQL from the functions');
    props.clientSecurityGroup.addEgressRule(this.securityGroup, ec2.Port.tcp(DATABASE_PORT), 'PostgreSQL to the database');

    // RDS writes to /aws/rds/cluster/<id>/postgresql; creating it first lets it be encrypted and expire.
    this.logGroup = new logs.LogGroup(this, 'PostgresqlLog', {
      logGroupName: `/aws/rds/cluster/${props.clusterIdentifier}/postgresql`,
      encryptionKey: props.logsKey,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const engine = rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_17_5 });
    const parameterGroup = new rds.ParameterGroup(this, 'Parameters', {
      engine,
      description: 'Chartproof: TLS only, connection auditing, no statement text in logs',
      parameters: {
        'rds.force_ssl': '1',
        log_connections: '1',
        log_disconnections: '1',
        // Statements carry bind parameters; logging them could put PHI in the log, so only DDL is logged.
        log_statement: 'ddl',
        log_min_duration_statement: '-1',
      },
    });

    const instance = { autoMinorVersionUpgrade: true, publiclyAccessible: false } as const;
    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      engine,
      clusterIdentifier: props.clusterIdentifier,
      parameterGroup,
      writer: rds.ClusterInstance.serverlessV2('writer', instance),
      readers: props.multiAz ? [rds.ClusterInstance.serverlessV2('reader', { ...instance, scaleWithWriter: true })] : [],
      serverlessV2MinCapacity: props.minCapacity,
      serverlessV2MaxCapacity: props.maxCapacity,
      ...(props.minCapacity === 0 ? { serverlessV2AutoPauseDuration: Duration.minutes(props.autoPauseMinutes) } : {}),
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [this.securityGroup],
      port: DATABASE_PORT,
      defaultDatabaseName: DATABASE_NAME,
      credentials: rds.Credentials.fromUsername(MASTER_USERNAME, { encryptionKey: props.databaseKey }),
      manageMasterUserPassword: true,
      storageEncrypted: true,
      storageEncryptionKey: props.databaseKey,
      iamAuthentication: true,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      backup: { retention: Duration.days(props.backupRetentionDays) },
      copyTagsToSnapshot: true,
      cloudwatchLogsExports: ['postgresql'],
      monitoringInterval: Duration.seconds(60),
    });
    this.cluster.node.addDependency(this.logGroup);

    for (const instance of this.cluster.node.findAll().filter((child) => child instanceof rds.CfnDBInstance)) {
      acknowledge(instance, {
        id: 'HIPAA.Security-RDSInBackupPlan',
        reason: `Aurora's continuous backups give point-in-time recovery for ${props.backupRetentionDays} days on the cluster itself (encrypted with the database key); an organisation's AWS Backup policy can add copies to another account or region, which this stack cannot choose for it.`,
      });
    }
    const monitoringRole = this.cluster.node.tryFindChild('MonitoringRole');
    if (monitoringRole !== undefined) {
      acknowledge(monitoringRole, {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]',
        reason: 'The AWS-maintained policy RDS enhanced monitoring requires: it lets the RDS monitoring service write OS metrics to CloudWatch Logs, nothing else.',
      });
    }
  }

  /** The RDS-managed master secret (username and password), for the schema-migration function only. */
  grantMasterSecretRead(grantee: iam.IGrantable): void {
    const secret = this.cluster.secret;
    if (secret === undefined) throw new Error('the database cluster has no master secret');
    secret.grantRead(grantee);
  }

  /** Lets `grantee` connect as `user` with IAM authentication (rds-db:connect). */
  grantConnect(grantee: iam.IGrantable, user: string): iam.Grant {
    return this.cluster.grantConnect(grantee, user);
  }

  /** The region the cluster lives in, for the IAM token signer. */
  get region(): string {
    return Stack.of(this).region;
  }
}
