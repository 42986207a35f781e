/**
 * The one way this app builds a Lambda function (ARCHITECTURE.md D6 "Lambda functions"): a
 * NodejsFunction bundled by the local esbuild (no Docker) into a minified ESM bundle with source
 * maps, on nodejs24.x and ARM64, with X-Ray, a KMS-encrypted log group with retention, reserved
 * concurrency, in the isolated subnets behind the functions' security group (all but the webhook
 * sender, which is given no network), and a KMS-encrypted dead-letter queue when it is invoked
 * asynchronously.
 *
 * `@aws-sdk/*` is left out of the bundle: the nodejs24.x runtime provides AWS SDK v3, and bundling
 * it would more than double each bundle (and its cold start).
 */
import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from '../nag/acknowledge.ts';
import { acknowledgeLambdaRole } from '../nag/lambda-role.ts';

/** Lets bundled CommonJS dependencies call `require` inside an ESM bundle. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __chartproofCreateRequire } from 'node:module'; const require = __chartproofCreateRequire(import.meta.url);";

/** Modules the bundle imports at run time instead of containing them. */
export const EXTERNAL_MODULES = ['@aws-sdk/*', 'pg-native'];

export type FunctionNetwork = {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroup: ec2.ISecurityGroup;
};

export type ChartproofFunctionProps = {
  /** Absolute path of the module whose `handler` export Lambda invokes. */
  readonly entry: string;
  /** The repository root: esbuild runs there, and its package-lock.json pins the dependencies. */
  readonly projectRoot: string;
  readonly description: string;
  /**
   * `synchronous`: API Gateway or a custom-resource provider waits for the result and sees every
   * error, so a dead-letter queue would never receive anything. `asynchronous`: events and
   * schedules; failed events go to a dead-letter queue.
   */
  readonly invocation: 'synchronous' | 'asynchronous';
  /**
   * The VPC placement. Undefined only for the webhook sender, whose purpose is to reach the internet
   * that the isolated subnets cannot (see infra/chartproof-stack.ts).
   */
  readonly network: FunctionNetwork | undefined;
  /** Encrypts the log group and the dead-letter queue. */
  readonly operationsKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly reservedConcurrency: number;
  readonly memoryMiB: number;
  readonly timeout: Duration;
  readonly environment?: Record<string, string>;
};

export class ChartproofFunction extends Construct implements iam.IGrantable {
  readonly function: nodejs.NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly deadLetterQueue: sqs.Queue | undefined;
  readonly grantPrincipal: iam.IPrincipal;
  /** The bundled entry module, as given. */
  readonly entry: string;

  constructor(scope: Construct, id: string, props: ChartproofFunctionProps) {
    super(scope, id);
    this.entry = props.entry;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: props.operationsKey,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.deadLetterQueue =
      props.invocation === 'asynchronous'
        ? new sqs.Queue(this, 'DeadLetterQueue', {
            encryption: sqs.QueueEncryption.KMS,
            encryptionMasterKey: props.operationsKey,
            enforceSSL: true,
            retentionPeriod: Duration.days(14),
          })
        : undefined;

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: join(props.projectRoot, 'package-lock.json'),
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memoryMiB,
      timeout: props.timeout,
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      reservedConcurrentExecutions: props.reservedConcurrency,
      ...(props.network === undefined ? {} : { vpc: props.network.vpc, vpcSubnets: props.network.subnets, securityGroups: [props.network.securityGroup] }),
      deadLetterQueue: this.deadLetterQueue,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node24',
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        // The map keeps only the mappings, not a copy of every source: with NODE_OPTIONS=
        // --enable-source-maps Node reads and parses the map while importing the bundle, so its size
        // is cold-start time (3.7 MB with sources, 1 MB without). Stack traces still name the
        // original file, line and column.
        sourcesContent: false,
        externalModules: EXTERNAL_MODULES,
        forceDockerBundling: false,
        // esbuild escapes non-ASCII as \uXXXX by default, which inflates bundled message catalogues
        // (zod's locales) several-fold. Passed as an argument: aws-cdk-lib 2.276 drops `charset`.
        esbuildArgs: { '--charset': 'utf8' },
      },
    });
    this.grantPrincipal = this.function.grantPrincipal;
    acknowledgeLambdaRole(this.function, { inVpc: props.network !== undefined, tracing: true });

    if (this.deadLetterQueue === undefined) {
      acknowledge(this.function, {
        id: 'HIPAA.Security-LambdaDLQ',
        reason: `Invoked synchronously only (${props.description}): the caller receives every error, and Lambda sends only asynchronous invocations to a dead-letter queue.`,
      });
    }
  }
}
