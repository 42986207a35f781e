/**
 * Applies the SQL migrations on deploy (ARCHITECTURE.md D6 "Deploy"): a custom resource backed by
 * a function in the isolated subnets (infra/lambda/schema-migrations.ts) that reads the master
 * secret, creates the database roles and applies shared/adapters/sql/migrations. The resource's
 * `migrationsHash` changes whenever a migration or the handler does, so CloudFormation runs it
 * again exactly then.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { acknowledge } from '../nag/acknowledge.ts';
import { acknowledgeLambdaRole, defaultPolicyOf } from '../nag/lambda-role.ts';
import { ChartproofFunction, type FunctionNetwork } from './chartproof-function.ts';
import type { Database } from './database.ts';

export const MIGRATIONS_DIR = 'shared/adapters/sql/migrations';
export const MIGRATION_HANDLER = 'infra/lambda/schema-migrations.ts';

export type SchemaMigrationsProps = {
  readonly database: Database;
  readonly runtimeUser: string;
  readonly network: FunctionNetwork;
  readonly operationsKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly repositoryRoot: string;
};

export class SchemaMigrations extends Construct {
  readonly function: ChartproofFunction;
  readonly provider: cr.Provider;
  readonly resource: CustomResource;
  /** SHA-256 over the migration files and the handler: what makes CloudFormation rerun it. */
  readonly migrationsHash: string;

  constructor(scope: Construct, id: string, props: SchemaMigrationsProps) {
    super(scope, id);
    const { database } = props;

    this.function = new ChartproofFunction(this, 'Migrator', {
      entry: join(props.repositoryRoot, MIGRATION_HANDLER),
      projectRoot: props.repositoryRoot,
      description: 'Chartproof schema migrations (CloudFormation custom resource)',
      invocation: 'synchronous',
      network: props.network,
      operationsKey: props.operationsKey,
      logRetention: props.logRetention,
      reservedConcurrency: 1,
      memoryMiB: 512,
      timeout: Duration.minutes(5),
      environment: {
        NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
        CHARTPROOF_DB_HOST: database.cluster.clusterEndpoint.hostname,
        CHARTPROOF_DB_PORT: String(database.port),
        CHARTPROOF_DB_NAME: database.databaseName,
        CHARTPROOF_DB_MASTER_SECRET_ARN: database.cluster.secret?.secretArn ?? '',
        CHARTPROOF_DB_RUNTIME_USER: props.runtimeUser,
      },
    });
    database.grantMasterSecretRead(this.function);

    const frameworkLogs = new logs.LogGroup(this, 'ProviderLogs', {
      encryptionKey: props.operationsKey,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.function.function,
      logGroup: frameworkLogs,
      providerFunctionEnvEncryption: props.operationsKey,
    });

    this.acknowledgeFramework();

    this.migrationsHash = hashOf([
      ...readdirSync(join(props.repositoryRoot, MIGRATIONS_DIR))
        .sort()
        .map((file) => join(props.repositoryRoot, MIGRATIONS_DIR, file)),
      join(props.repositoryRoot, MIGRATION_HANDLER),
    ]);
    this.resource = new CustomResource(this, 'Schema', {
      serviceToken: this.provider.serviceToken,
      resourceType: 'Custom::ChartproofSchema',
      properties: { migrationsHash: this.migrationsHash },
    });
    // Instances, not just the cluster, must be up before anyone can connect.
    this.resource.node.addDependency(database.cluster);
  }

  /** CDK's custom-resource framework function: CloudFormation plumbing that never sees data. */
  private acknowledgeFramework(): void {
    const framework = this.provider.node.findChild('framework-onEvent') as lambda.Function;
    const what =
      "CDK's custom-resource framework function only relays CloudFormation's request to the migration function and posts the result to CloudFormation's pre-signed S3 URL; it handles no PHI and no credentials";
    acknowledge(
      framework,
      { id: 'HIPAA.Security-LambdaInsideVPC', reason: `${what}, and needs the public S3 endpoint for that URL (the migration function itself runs in the isolated subnets).` },
      { id: 'HIPAA.Security-LambdaConcurrency', reason: `${what}; CloudFormation calls it once per deploy.` },
      { id: 'HIPAA.Security-LambdaDLQ', reason: `${what}; CloudFormation invokes it and waits for its answer, so failures surface in the deploy.` },
    );
    acknowledgeLambdaRole(framework, { inVpc: false, tracing: false });
    const policy = defaultPolicyOf(framework.role);
    const migratorLogicalId = Stack.of(this).getLogicalId(this.function.function.node.defaultChild as lambda.CfnFunction);
    if (policy !== undefined) {
      acknowledge(policy, {
        id: `AwsSolutions-IAM5[Resource::<${migratorLogicalId}.Arn>:*]`,
        reason: 'lambda:InvokeFunction on the migration function and its versions (the wildcard is the version qualifier), nothing else.',
      });
    }
  }
}

function hashOf(files: readonly string[]): string {
  const hash = createHash('sha256');
  for (const file of files) hash.update(file.split('/').slice(-2).join('/')).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}
