/**
 * The Chartproof stack: one construct per concern (ARCHITECTURE.md D6), wired together here and
 * nowhere else.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Annotations, Aws, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type { Construct } from 'constructs';
import { BACKGROUND_JOBS, WEBHOOK_SENDER } from './background-jobs.ts';
import type { StageConfig } from './config/stage-config.ts';
import { Api } from './constructs/api.ts';
import { ChartproofFunction } from './constructs/chartproof-function.ts';
import { Database, RUNTIME_DATABASE_USER } from './constructs/database.ts';
import { Events } from './constructs/events.ts';
import { Keys } from './constructs/keys.ts';
import { Monitoring } from './constructs/monitoring.ts';
import { Network } from './constructs/network.ts';
import { RouteFunctions, type RouteSpec } from './constructs/route-functions.ts';
import { SchemaMigrations } from './constructs/schema-migrations.ts';
import { Storage } from './constructs/storage.ts';
import { UserDirectory } from './constructs/user-directory.ts';
import { WebFirewall } from './constructs/web-firewall.ts';
import { acknowledge } from './nag/acknowledge.ts';
import { handlerNeeds, type HandlerNeeds } from './handler-needs.ts';

export type ChartproofStackProps = StackProps & {
  readonly config: StageConfig;
  /** The route table (functions/routes.ts). */
  readonly routes: readonly RouteSpec[];
  /** The repository root: handler and job module paths are relative to it. */
  readonly repositoryRoot: string;
  /** What each handler module may touch; default infra/handler-needs.ts. */
  readonly needsOf?: (handler: string) => HandlerNeeds;
};

export class ChartproofStack extends Stack {
  readonly keys: Keys;
  readonly network: Network;
  readonly storage: Storage;
  readonly database: Database;
  readonly migrations: SchemaMigrations;
  readonly events: Events;
  readonly routeFunctions: RouteFunctions;
  readonly users: UserDirectory;
  readonly api: Api;
  readonly firewall: WebFirewall;
  readonly monitoring: Monitoring;
  private readonly stageConfig: StageConfig;
  /** Background jobs whose modules exist, by name. */
  readonly jobs: ReadonlyMap<keyof typeof BACKGROUND_JOBS, ChartproofFunction>;
  /** The webhook sender outside the VPC, when the notifier and the sender's module exist. */
  readonly webhookSender: ChartproofFunction | undefined;

  constructor(scope: Construct, id: string, props: ChartproofStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.stageConfig = config;
    const name = `chartproof-${config.stage}`;
    const logRetention = config.functions.logRetentionDays;
    const needsOf = props.needsOf ?? handlerNeeds;

    this.keys = new Keys(this, 'Keys', { aliasPrefix: name });
    const existingJobs = (Object.keys(BACKGROUND_JOBS) as (keyof typeof BACKGROUND_JOBS)[]).filter((job) =>
      existsSync(join(props.repositoryRoot, BACKGROUND_JOBS[job])),
    );
    const withWebhookSender = existingJobs.includes('notifier') && existsSync(join(props.repositoryRoot, WEBHOOK_SENDER));
    this.network = new Network(this, 'Network', {
      maxAzs: config.maxAzs,
      interfaceEndpoints: interfaceEndpointsFor({
        needs: [...new Set(props.routes.map((route) => route.handler))].filter((handler) => existsSync(join(props.repositoryRoot, handler))).map(needsOf),
        notifier: existingJobs.includes('notifier'),
        webhookSender: withWebhookSender,
        eventPublisher: existingJobs.includes('outboxRelay'),
      }),
      logsKey: this.keys.operationsKey,
      logRetention,
    });
    const functionNetwork = { vpc: this.network.vpc, subnets: this.network.isolatedSubnets, securityGroup: this.network.functionsSecurityGroup };

    this.storage = new Storage(this, 'Storage', { objectLock: config.objectLock, recordsKey: this.keys.recordsKey, storageKey: this.keys.storageKey });

    this.database = new Database(this, 'Database', {
      clusterIdentifier: name,
      vpc: this.network.vpc,
      subnets: this.network.isolatedSubnets,
      clientSecurityGroup: this.network.functionsSecurityGroup,
      databaseKey: this.keys.databaseKey,
      logsKey: this.keys.operationsKey,
      logRetention,
      ...config.database,
    });

    this.migrations = new SchemaMigrations(this, 'SchemaMigrations', {
      database: this.database,
      runtimeUser: RUNTIME_DATABASE_USER,
      network: functionNetwork,
      operationsKey: this.keys.operationsKey,
      logRetention,
      repositoryRoot: props.repositoryRoot,
    });

    this.events = new Events(this, 'Events', {
      busName: name,
      operationsKey: this.keys.operationsKey,
      archiveRetention: Duration.days(config.eventArchiveRetentionDays),
    });

    const functionSettings = {
      network: functionNetwork,
      operationsKey: this.keys.operationsKey,
      logRetention,
      reservedConcurrency: config.functions.reservedConcurrency,
      memoryMiB: config.functions.memoryMiB,
    };
    const environment = {
      DATABASE_URL: `postgresql://${RUNTIME_DATABASE_USER}@${this.database.cluster.clusterEndpoint.hostname}:${this.database.port}/${this.database.databaseName}?sslmode=verify-full`,
      CHARTPROOF_DATABASE_IAM_AUTH: 'true',
      // Lambda's Node.js 20+ runtimes trust the Amazon RDS certificate authorities only when asked to.
      NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
      CHARTPROOF_RECORDS_BUCKET: this.storage.recordsBucket.bucketName,
      CHARTPROOF_CHECKPOINTS_BUCKET: this.storage.checkpointsBucket.bucketName,
      CHARTPROOF_RECORDS_KMS_KEY_ID: this.keys.recordsKey.keyArn,
      CHARTPROOF_SIGNING_KMS_KEY_ID: this.keys.signingKey.keyArn,
      CHARTPROOF_LOG_ORIGIN: config.ledgerOrigin ?? `chartproof/${config.stage}/${Aws.ACCOUNT_ID}`,
      CHARTPROOF_EVENT_BUS_NAME: this.events.bus.eventBusName,
      POWERTOOLS_SERVICE_NAME: 'chartproof',
    };

    this.routeFunctions = new RouteFunctions(this, 'RouteFunctions', {
      ...functionSettings,
      routes: props.routes,
      repositoryRoot: props.repositoryRoot,
      needsOf,
      keys: this.keys,
      storage: this.storage,
      database: this.database,
      eventBus: this.events.bus,
      runtimeDatabaseUser: RUNTIME_DATABASE_USER,
      environment,
    });
    for (const handler of this.routeFunctions.missingHandlers) {
      Annotations.of(this.routeFunctions).addInfo(`${handler} does not exist or does not export handler yet: its routes answer 501 not-implemented`);
    }

    const notificationSenders = {
      ...(config.notifications.emailSender === undefined ? {} : { CHARTPROOF_EMAIL_SENDER: config.notifications.emailSender }),
      ...(config.notifications.smsSenderId === undefined ? {} : { CHARTPROOF_SMS_SENDER_ID: config.notifications.smsSenderId }),
    };
    const jobs = new Map<keyof typeof BACKGROUND_JOBS, ChartproofFunction>();
    for (const job of existingJobs) {
      const fn = new ChartproofFunction(this, `${job.charAt(0).toUpperCase()}${job.slice(1)}`, {
        ...functionSettings,
        entry: join(props.repositoryRoot, BACKGROUND_JOBS[job]),
        projectRoot: props.repositoryRoot,
        description: `Chartproof ${job}`,
        invocation: 'asynchronous',
        timeout: Duration.seconds(30),
        environment: job === 'notifier' ? { ...environment, ...notificationSenders } : environment,
      });
      this.database.grantConnect(fn, RUNTIME_DATABASE_USER);
      jobs.set(job, fn);
    }
    this.jobs = jobs;
    // Outside the VPC by design: the isolated subnets have no route to the internet (D6), and a
    // webhook must reach the patient's https endpoint. It holds no database access and no PHI.
    this.webhookSender = withWebhookSender
      ? new ChartproofFunction(this, 'WebhookSender', {
          ...functionSettings,
          network: undefined,
          entry: join(props.repositoryRoot, WEBHOOK_SENDER),
          projectRoot: props.repositoryRoot,
          description: 'Chartproof webhook sender',
          invocation: 'synchronous',
          // The POST's own timeout is 5 s (webhook-channel.ts); the rest is DNS and a cold start.
          timeout: Duration.seconds(10),
          environment: { POWERTOOLS_SERVICE_NAME: 'chartproof' },
        })
      : undefined;
    this.wireJobs();

    this.users = new UserDirectory(this, 'Users', { name });
    this.api = new Api(this, 'Api', {
      name,
      stageName: config.stage,
      routes: props.routes,
      functionFor: (handler) => this.routeFunctions.byHandler.get(handler)?.function,
      userPool: this.users.userPool,
      logsKey: this.keys.operationsKey,
      logRetention,
      allowedOrigins: config.api.allowedOrigins,
      throttling: { rateLimit: config.api.throttlingRateLimit, burstLimit: config.api.throttlingBurstLimit },
    });
    // The alerts' access-log links point at this API (the notifier exists before the API does).
    this.jobs.get('notifier')?.function.addEnvironment('CHARTPROOF_ACCESS_LOG_BASE_URL', this.api.restApi.url);
    this.firewall = new WebFirewall(this, 'Firewall', {
      name,
      stageArn: this.api.restApi.deploymentStage.stageArn,
      logsKey: this.keys.operationsKey,
      logRetention,
      rateLimitPerIp: 2000,
    });

    this.monitoring = new Monitoring(this, 'Monitoring', { topicName: `${name}-alarms`, operationsKey: this.keys.operationsKey, alarmEmail: config.alarmEmail });
    this.monitoring.alarmOnDeadLetters('NotificationDeadLetters', this.events.notificationDeadLetterQueue);
    this.monitoring.alarmOnDeadLetters('DeliveryDeadLetters', this.events.deliveryDeadLetterQueue);
    for (const [handler, fn] of this.routeFunctions.byHandler) this.monitoring.alarmOnErrors(`${fn.node.id}Errors`, fn.function).node.addMetadata('handler', handler);
    for (const [job, fn] of this.jobs) {
      this.monitoring.alarmOnErrors(`${fn.node.id}Errors`, fn.function);
      if (fn.deadLetterQueue !== undefined) this.monitoring.alarmOnDeadLetters(`${fn.node.id}DeadLetters`, fn.deadLetterQueue).node.addMetadata('job', job);
    }
    this.monitoring.alarmOnServerErrors('ApiServerErrors', this.api.restApi);

    new CfnOutput(this, 'ApiUrl', { value: this.api.restApi.url, description: 'Base URL of the API (append v1/...)' });
    new CfnOutput(this, 'UserPoolId', { value: this.users.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.users.appClient.userPoolClientId });
    new CfnOutput(this, 'RecordsBucketName', { value: this.storage.recordsBucket.bucketName });
    new CfnOutput(this, 'CheckpointsBucketName', { value: this.storage.checkpointsBucket.bucketName });
    new CfnOutput(this, 'SigningKeyArn', { value: this.keys.signingKey.keyArn });
  }

  private wireJobs(): void {
    const notifier = this.jobs.get('notifier');
    if (notifier !== undefined) {
      this.events.attachNotifier(notifier);
      const sender = this.stageConfig.notifications.emailSender;
      if (sender !== undefined) {
        // Sending is allowed from the configured identity only: the address, or its domain's identity.
        const identities = [sender, sender.slice(sender.indexOf('@') + 1)].map((identity) =>
          this.formatArn({ service: 'ses', resource: 'identity', resourceName: identity }),
        );
        iam.Grant.addToPrincipal({ grantee: notifier, actions: ['ses:SendEmail'], resourceArns: identities });
      }
      // SMS to a phone number has no resource ARN: allow Publish on everything but SNS resources
      // (topics, platform endpoints), which leaves phone numbers only.
      notifier.grantPrincipal.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['sns:Publish'], notResources: [this.formatArn({ service: 'sns', region: '*', account: '*', resource: '*' })] }),
      );
      const webhookSecret = new secretsmanager.Secret(this, 'WebhookSigningSecret', {
        description: 'The HMAC-SHA256 key of webhook notifications (Chartproof-Signature header)',
        encryptionKey: this.keys.operationsKey,
        generateSecretString: { passwordLength: 64, excludePunctuation: true },
      });
      const noScheduledRotation = 'Webhook receivers verify with this key; rotating it is a coordinated change (receivers accept the old and new key during the switch), not a schedule.';
      acknowledge(webhookSecret, { id: 'AwsSolutions-SMG4', reason: noScheduledRotation }, { id: 'HIPAA.Security-SecretsManagerRotationEnabled', reason: noScheduledRotation });
      new CfnOutput(this, 'WebhookSigningSecretArn', { value: webhookSecret.secretArn, description: 'The secret webhook receivers verify Chartproof-Signature with' });
      const webhookSender = this.webhookSender;
      if (webhookSender !== undefined) {
        // Only the sender signs, so only the sender reads the key; the notifier only invokes it.
        webhookSecret.grantRead(webhookSender);
        webhookSender.function.addEnvironment('CHARTPROOF_WEBHOOK_SECRET_ARN', webhookSecret.secretArn);
        // grantInvoke would add the version wildcard (":*"); the notifier invokes the unqualified function only.
        iam.Grant.addToPrincipal({ grantee: notifier, actions: ['lambda:InvokeFunction'], resourceArns: [webhookSender.function.functionArn] });
        notifier.function.addEnvironment('CHARTPROOF_WEBHOOK_SENDER_FUNCTION', webhookSender.function.functionArn);
        const outsideVpc =
          'The webhook sender is outside the VPC on purpose: it is the only function that reaches the internet, so that the VPC keeps no internet path (no NAT, no internet gateway). It holds no PHI and has no database access: its input is an alert body naming ids, a kind, a time and an access-log link, and it only reads the webhook signing secret.';
        acknowledge(webhookSender.function, { id: 'HIPAA.Security-LambdaInsideVPC', reason: outsideVpc });
      }
    }
    const relay = this.jobs.get('outboxRelay');
    if (relay !== undefined) {
      this.events.bus.grantPutEventsTo(relay);
      this.schedule('OutboxRelaySchedule', relay);
    }
    const checkpointer = this.jobs.get('checkpointer');
    if (checkpointer !== undefined) {
      this.keys.grantCheckpointSigning(checkpointer);
      this.storage.grantCheckpointWrite(checkpointer);
      checkpointer.function.addEnvironment('CHARTPROOF_CHECKPOINTS_KMS_KEY_ID', this.keys.storageKey.keyArn);
      this.schedule('CheckpointSchedule', checkpointer);
    }
  }

  private schedule(id: string, fn: ChartproofFunction): void {
    new events.Rule(this, id, {
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(fn.function, { deadLetterQueue: fn.deadLetterQueue, retryAttempts: 2 })],
    });
  }
}

/** Interface endpoints for what the deployed functions call; each costs per AZ-hour. */
function interfaceEndpointsFor(options: { needs: readonly HandlerNeeds[]; notifier: boolean; webhookSender: boolean; eventPublisher: boolean }): ec2.InterfaceVpcEndpointAwsService[] {
  const services = [
    // Every function: the verifier key at cold start, patient keys, signing.
    ec2.InterfaceVpcEndpointAwsService.KMS,
    // The schema migration reads the RDS-managed master secret.
    ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
  ];
  if (options.eventPublisher || options.needs.some((needs) => needs.publishesEvents === true)) services.push(ec2.InterfaceVpcEndpointAwsService.EVENTBRIDGE);
  if (options.notifier) services.push(ec2.InterfaceVpcEndpointAwsService.EMAIL, ec2.InterfaceVpcEndpointAwsService.SNS);
  // The notifier invokes the webhook sender, which is outside the VPC.
  if (options.webhookSender) services.push(ec2.InterfaceVpcEndpointAwsService.LAMBDA);
  return services;
}
