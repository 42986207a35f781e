/**
 * The synthesized template, one security property per test (ARCHITECTURE.md D6), on the fixture
 * repository where every route and job module exists. One synthesis for the whole file.
 */
import { CfnElement } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../functions/routes.ts';
import type { ChartproofApp } from '../../infra/chartproof-app.ts';
import { synthTemplate } from './fixture.ts';

type Resource = { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown; Principal?: unknown; Sid?: string };

let app: ChartproofApp;
let template: Template;
let resources: Record<string, Resource>;

function ofType(type: string): [string, Resource][] {
  return Object.entries(resources).filter(([, resource]) => resource.Type === type);
}

function logicalIdOf(construct: IConstruct | undefined): string {
  const child = (construct instanceof CfnElement ? construct : construct?.node.defaultChild) as CfnElement | undefined;
  if (child === undefined) throw new Error('construct without a CloudFormation resource');
  return app.stack.resolve(app.stack.getLogicalId(child)) as string;
}

function routeLabel(route: { method: string; path: string } | undefined): string {
  return `${route?.method} ${route?.path}`;
}

function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

beforeAll(() => {
  ({ app, template } = synthTemplate());
  resources = template.toJSON().Resources as Record<string, Resource>;
});

describe('functions', () => {
  it('runs every route and job function on nodejs24.x, arm64, with X-Ray', () => {
    // Prepare
    const ours = [...app.stack.routeFunctions.byHandler.values(), ...app.stack.jobs.values(), app.stack.migrations.function, app.stack.webhookSender];

    // Act
    const ids = ours.map((fn) => logicalIdOf(fn?.function));

    // Assess
    expect(ids).toHaveLength(new Set(routes.map((route) => route.handler)).size + 3 + 1 + 1);
    for (const id of ids) {
      expect(resources[id]?.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' } });
    }
  });

  it('puts every function but the CDK framework functions and the webhook sender in the isolated subnets with the functions security group', () => {
    // Prepare
    const isolatedSubnets = app.stack.network.vpc.isolatedSubnets.map((subnet) => ({ Ref: logicalIdOf(subnet) }));
    const securityGroup = { 'Fn::GetAtt': [logicalIdOf(app.stack.network.functionsSecurityGroup), 'GroupId'] };

    // Act
    const outside = ofType('AWS::Lambda::Function').filter(([, fn]) => fn.Properties.VpcConfig === undefined);

    // Assess
    expect(outside.map(([id]) => id)).toHaveLength(3);
    expect(outside.map(([id]) => id)).toEqual(
      expect.arrayContaining([
        logicalIdOf(app.stack.migrations.provider.node.findChild('framework-onEvent')),
        expect.stringMatching(/^CustomVpcRestrictDefaultSGCustomResourceProviderHandler/),
        logicalIdOf(app.stack.webhookSender?.function),
      ]),
    );
    for (const [, fn] of ofType('AWS::Lambda::Function').filter(([, fn]) => fn.Properties.VpcConfig !== undefined)) {
      expect(fn.Properties.VpcConfig).toEqual({ SubnetIds: isolatedSubnets, SecurityGroupIds: [securityGroup] });
    }
  });

  it('gives every function reserved concurrency and a KMS-encrypted log group with retention', () => {
    // Prepare
    const ours = [...app.stack.routeFunctions.byHandler.values(), ...app.stack.jobs.values(), app.stack.migrations.function];
    if (app.stack.webhookSender !== undefined) ours.push(app.stack.webhookSender);

    // Act
    const logGroups = ours.map((fn) => resources[logicalIdOf(fn.logGroup)]?.Properties);

    // Assess
    for (const fn of ours) expect(resources[logicalIdOf(fn.function)]?.Properties.ReservedConcurrentExecutions).toBeGreaterThan(0);
    for (const logGroup of logGroups) expect(logGroup).toMatchObject({ KmsKeyId: { 'Fn::GetAtt': [logicalIdOf(app.stack.keys.operationsKey), 'Arn'] }, RetentionInDays: 365 });
  });

  it('gives the asynchronous functions a KMS-encrypted dead-letter queue', () => {
    // Prepare
    const jobs = [...app.stack.jobs.values()];

    // Act
    const targets = jobs.map((fn) => resources[logicalIdOf(fn.function)]?.Properties.DeadLetterConfig);

    // Assess
    expect(jobs).toHaveLength(3);
    jobs.forEach((fn, index) => {
      expect(targets[index]).toEqual({ TargetArn: { 'Fn::GetAtt': [logicalIdOf(fn.deadLetterQueue), 'Arn'] } });
      expect(resources[logicalIdOf(fn.deadLetterQueue)]?.Properties).toMatchObject({ KmsMasterKeyId: expect.anything() });
    });
  });

  it('bundles ESM with the require banner, source maps and @aws-sdk left to the runtime', () => {
    // Prepare
    const fn = app.stack.routeFunctions.byHandler.get('functions/handlers/read-record.ts');

    // Act
    const environment = resources[logicalIdOf(fn?.function)]?.Properties.Environment as { Variables: Record<string, unknown> };

    // Assess
    expect(resources[logicalIdOf(fn?.function)]?.Properties.Handler).toBe('index.handler');
    expect(environment.Variables).toMatchObject({ NODE_OPTIONS: '--enable-source-maps', NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem' });
  });
});

describe('function permissions', () => {
  const rolePolicies = (): [string, Resource][] =>
    ofType('AWS::IAM::Policy').filter(([id]) => id.startsWith('RouteFunctions') || id.startsWith('SchemaMigrationsMigrator') || /^(Notifier|OutboxRelay|Checkpointer|WebhookSender)/.test(id));

  it('grants no kms:* and no wildcard action in any function role policy', () => {
    // Act
    const actions = rolePolicies().flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement.flatMap(actionsOf));

    // Assess
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((action) => action.endsWith('*'))).toEqual([]);
  });

  it('grants Resource "*" only to the X-Ray actions, which have no resource-level permissions', () => {
    // Act
    const wildcards = rolePolicies().flatMap(([, policy]) =>
      (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement.filter((statement) => statement.Resource === '*').flatMap(actionsOf),
    );

    // Assess
    expect(new Set(wildcards)).toEqual(new Set(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']));
  });

  it('lets only the handlers that need them unwrap patient keys, through the records key policy with the patientId context', () => {
    // Prepare
    const recordsKey = resources[logicalIdOf(app.stack.keys.recordsKey)]?.Properties.KeyPolicy as { Statement: Statement[] };
    const roleOf = (handler: string) => ({ 'Fn::GetAtt': [logicalIdOf(app.stack.routeFunctions.byHandler.get(handler)?.function.role), 'Arn'] });

    // Act
    const decrypt = recordsKey.Statement.find((statement) => statement.Action === 'kms:Decrypt');
    const generate = recordsKey.Statement.find((statement) => statement.Action === 'kms:GenerateDataKey');

    // Assess
    const patientContext = { 'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['patientId'] }, Null: { 'kms:EncryptionContext:patientId': 'false' } };
    expect(decrypt).toMatchObject({ Condition: patientContext, Principal: { AWS: expect.arrayContaining([roleOf('functions/handlers/read-record.ts')]) } });
    expect((decrypt?.Principal as { AWS: unknown[] }).AWS).toHaveLength(3); // read, create, update
    expect(generate).toMatchObject({ Condition: patientContext, Principal: { AWS: roleOf('functions/handlers/register-patient.ts') } });
  });

  it('gives the account root key administration but no decryption on the records key outside S3', () => {
    // Act
    const statements = (resources[logicalIdOf(app.stack.keys.recordsKey)]?.Properties.KeyPolicy as { Statement: Statement[] }).Statement;
    const root = statements.filter((statement) => JSON.stringify(statement.Principal).includes(':root'));

    // Assess
    const unconditionalActions = root.filter((statement) => statement.Condition === undefined).flatMap(actionsOf);
    expect(unconditionalActions).not.toContain('kms:*');
    expect(unconditionalActions.filter((action) => /Decrypt|Encrypt|GenerateDataKey|CreateGrant|Sign/.test(action))).toEqual([]);
    expect(root.find((statement) => statement.Sid === 'ObjectEncryptionThroughS3')?.Condition).toMatchObject({ StringEquals: { 'kms:ViaService': expect.anything() } });
  });

  it('lets only the checkpoint-signing handlers and the checkpointer sign', () => {
    // Act
    const signers = rolePolicies()
      .filter(([, policy]) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement.some((statement) => actionsOf(statement).includes('kms:Sign')))
      .map(([id]) => id.replace(/FunctionServiceRoleDefaultPolicy.*$/, ''));

    // Assess
    expect(signers.sort()).toEqual(['Checkpointer', 'RouteFunctionsGetCheckpoint', 'RouteFunctionsGetLedgerEntry']);
  });

  it('makes the checkpoint signing key Ed25519 for signing', () => {
    expect(() => template.hasResourceProperties('AWS::KMS::Key', { KeySpec: 'ECC_NIST_EDWARDS25519', KeyUsage: 'SIGN_VERIFY' })).not.toThrow();
  });

  it('rotates every symmetric key', () => {
    // Act
    const symmetric = ofType('AWS::KMS::Key').filter(([, key]) => key.Properties.KeySpec === undefined);

    // Assess
    expect(symmetric).toHaveLength(4);
    for (const [, key] of symmetric) expect(key.Properties.EnableKeyRotation).toBe(true);
  });

  it('lets only the notifier send e-mail, from the configured sender identity', () => {
    // Act
    const senders = ofType('AWS::IAM::Policy').filter(([, policy]) =>
      (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement.some((statement) => actionsOf(statement).some((action) => action.startsWith('ses:'))),
    );

    // Assess
    expect(senders.map(([id]) => id)).toEqual([expect.stringMatching(/^Notifier/)]);
    const statement = (senders[0]?.[1].Properties.PolicyDocument as { Statement: Statement[] }).Statement.find((candidate) => actionsOf(candidate).includes('ses:SendEmail'));
    expect(JSON.stringify(statement?.Resource)).toMatch(/identity\/alerts@example\.org".*identity\/example\.org"/);
  });

  it('lets the functions connect to the database as the runtime user only', () => {
    // Act
    const connects = rolePolicies().flatMap(([, policy]) =>
      (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement.filter((statement) => actionsOf(statement).includes('rds-db:connect')),
    );

    // Assess
    expect(connects.length).toBeGreaterThan(0);
    for (const statement of connects) expect(JSON.stringify(statement.Resource)).toMatch(/:dbuser:.*\/chartproof_runtime"/);
  });
});

describe('buckets', () => {
  it('encrypts, versions and blocks public access on every bucket', () => {
    // Act
    const buckets = ofType('AWS::S3::Bucket');

    // Assess
    expect(buckets).toHaveLength(3);
    for (const [, bucket] of buckets) {
      expect(bucket.Properties).toMatchObject({
        BucketEncryption: { ServerSideEncryptionConfiguration: [expect.objectContaining({ ServerSideEncryptionByDefault: expect.any(Object) })] },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      });
    }
  });

  it('refuses non-TLS requests on every bucket', () => {
    // Act
    const policies = ofType('AWS::S3::BucketPolicy');

    // Assess
    expect(policies).toHaveLength(3);
    for (const [, policy] of policies) {
      expect((policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('locks records and checkpoints in GOVERNANCE mode for six years, with SSE-KMS and a bucket key', () => {
    for (const bucket of [app.stack.storage.recordsBucket, app.stack.storage.checkpointsBucket]) {
      expect(resources[logicalIdOf(bucket)]?.Properties).toMatchObject({
        ObjectLockEnabled: true,
        ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 2192 } } },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: expect.anything() } }] },
        LoggingConfiguration: { DestinationBucketName: { Ref: logicalIdOf(app.stack.storage.accessLogsBucket) } },
      });
    }
  });

  it('encrypts the records bucket with the records key', () => {
    expect(() => template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [logicalIdOf(app.stack.keys.recordsKey), 'Arn'] } } })] },
    })).not.toThrow();
  });

  it('keeps the access-log bucket on SSE-S3, the only encryption S3 server access logging delivers to', () => {
    expect(resources[logicalIdOf(app.stack.storage.accessLogsBucket)]?.Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
  });
});

describe('database', () => {
  it('encrypts storage with the database key, uses IAM authentication and deletion protection', () => {
    expect(() => template.hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-postgresql',
      EngineVersion: Match.stringLikeRegexp('^1[67]\\.'),
      StorageEncrypted: true,
      KmsKeyId: { 'Fn::GetAtt': [logicalIdOf(app.stack.keys.databaseKey), 'Arn'] },
      EnableIAMDatabaseAuthentication: true,
      DeletionProtection: true,
      BackupRetentionPeriod: 35,
      EnableCloudwatchLogsExports: ['postgresql'],
      ManageMasterUserPassword: true,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 4, SecondsUntilAutoPause: 1800 },
    })).not.toThrow();
  });

  it('admits PostgreSQL from the functions security group only', () => {
    // Act
    const ingress = ofType('AWS::EC2::SecurityGroupIngress').filter(
      ([, rule]) => JSON.stringify(rule.Properties.GroupId).includes(logicalIdOf(app.stack.database.securityGroup)),
    );

    // Assess
    expect(ingress.map(([, rule]) => rule.Properties)).toEqual([
      expect.objectContaining({ FromPort: 5432, ToPort: 5432, SourceSecurityGroupId: { 'Fn::GetAtt': [logicalIdOf(app.stack.network.functionsSecurityGroup), 'GroupId'] } }),
    ]);
    expect(resources[logicalIdOf(app.stack.database.securityGroup)]?.Properties.SecurityGroupIngress).toBeUndefined();
  });

  it('runs the schema migrations on deploy, again whenever they change', () => {
    expect(() => template.hasResourceProperties('Custom::ChartproofSchema', { migrationsHash: app.stack.migrations.migrationsHash })).not.toThrow();
  });
});

describe('network', () => {
  it('has isolated subnets only: no internet gateway, no NAT', () => {
    expect(() => template.resourceCountIs('AWS::EC2::InternetGateway', 0)).not.toThrow();
    expect(() => template.resourceCountIs('AWS::EC2::NatGateway', 0)).not.toThrow();
    expect(() => template.resourceCountIs('AWS::EC2::Route', 0)).not.toThrow();
    expect(() => template.allResourcesProperties('AWS::EC2::Subnet', { MapPublicIpOnLaunch: false })).not.toThrow();
  });

  it('logs every flow to a KMS-encrypted log group', () => {
    expect(() => template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' })).not.toThrow();
    expect(resources[logicalIdOf(app.stack.network.flowLogGroup)]?.Properties).toMatchObject({ KmsKeyId: expect.anything() });
  });
});

describe('api', () => {
  const isPublic = (route: (typeof routes)[number]): boolean => 'public' in route && route.public === true;
  const methodOf = (route: (typeof routes)[number]) => resources[logicalIdOf(app.stack.api.methods.get(`${route.method} ${route.path}`))]?.Properties;

  it('puts the Cognito authorizer on every route that is not public', () => {
    // Prepare
    const authorized = routes.filter((route) => !isPublic(route));

    // Act
    const methods = authorized.map(methodOf);

    // Assess
    expect(authorized.length).toBeGreaterThan(0);
    methods.forEach((method, index) => {
      expect({ route: routeLabel(authorized[index]), method }).toMatchObject({
        method: { AuthorizationType: 'COGNITO_USER_POOLS', AuthorizerId: { Ref: logicalIdOf(app.stack.api.authorizer) } },
      });
    });
  });

  it('leaves exactly the public routes of the contract without authorizer', () => {
    // Act
    const open = routes.filter((route) => methodOf(route)?.AuthorizationType === 'NONE').map(routeLabel);

    // Assess
    expect(open.sort()).toEqual(['GET /v1/ledger/checkpoint', 'GET /v1/ledger/consistency', 'GET /v1/ledger/key', 'GET /v1/openapi.json']);
    expect(open.sort()).toEqual(routes.filter(isPublic).map(routeLabel).sort());
  });

  it('integrates every route with the function of its handler module', () => {
    for (const route of routes) {
      // Prepare
      const fn = app.stack.routeFunctions.byHandler.get(route.handler);

      // Act
      const integration = resources[logicalIdOf(app.stack.api.methods.get(`${route.method} ${route.path}`))]?.Properties.Integration;

      // Assess
      expect({ route: routeLabel(route), integration: JSON.stringify(integration) }).toMatchObject({ integration: expect.stringContaining(logicalIdOf(fn?.function)) });
    }
  });

  it('associates the WAF web ACL, with the four managed rule groups, to the stage', () => {
    // Act
    const webAcl = resources[logicalIdOf(app.stack.firewall.webAcl)]?.Properties as { Rules: { Statement: { ManagedRuleGroupStatement?: { Name: string } } }[] };

    // Assess
    expect(() => template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([{ Ref: logicalIdOf(app.stack.api.restApi.deploymentStage) }])]) }),
      WebACLArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FirewallWebAcl'), 'Arn'] },
    })).not.toThrow();
    expect(webAcl.Rules.map((rule) => rule.Statement.ManagedRuleGroupStatement?.Name).filter(Boolean)).toEqual([
      'AWSManagedRulesCommonRuleSet',
      'AWSManagedRulesKnownBadInputsRuleSet',
      'AWSManagedRulesAmazonIpReputationList',
      'AWSManagedRulesSQLiRuleSet',
    ]);
  });

  it('logs access to a KMS-encrypted log group, executions at INFO without data tracing, with X-Ray and throttling', () => {
    expect(() => template.hasResourceProperties('AWS::ApiGateway::Stage', {
      TracingEnabled: true,
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
      MethodSettings: [Match.objectLike({ LoggingLevel: 'INFO', DataTraceEnabled: false, ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 })],
    })).not.toThrow();
    expect(resources[logicalIdOf(app.stack.api.accessLogGroup)]?.Properties).toMatchObject({ KmsKeyId: expect.anything() });
  });

  it('requires MFA with TOTP only, a strong password and threat protection in the user pool', () => {
    expect(() => template.hasResourceProperties('AWS::Cognito::UserPool', {
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 14, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true }) },
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    })).not.toThrow();
  });

  it('does not let app clients write custom:patient_id', () => {
    // Act
    const client = ofType('AWS::Cognito::UserPoolClient')[0]?.[1].Properties;

    // Assess
    expect(client?.ReadAttributes).toContain('custom:patient_id');
    expect(client?.WriteAttributes).not.toContain('custom:patient_id');
  });

  it('has the four role groups', () => {
    expect(ofType('AWS::Cognito::UserPoolGroup').map(([, group]) => group.Properties.GroupName).sort()).toEqual(['admin', 'auditor', 'patient', 'practitioner']);
  });
});

describe('events', () => {
  it('archives every chartproof event of the bus, encrypted', () => {
    expect(() => template.hasResourceProperties('AWS::Events::Archive', {
      EventPattern: { source: ['chartproof'] },
      KmsKeyIdentifier: { 'Fn::GetAtt': [logicalIdOf(app.stack.keys.operationsKey), 'Arn'] },
      SourceArn: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([':event-bus/chartproof-test'])]) }),
    })).not.toThrow();
  });

  it('routes chartproof events to the notification queue, whose failures go to dead-letter queues', () => {
    // Act
    const rule = resources[logicalIdOf(app.stack.events.notificationRule)]?.Properties as { Targets: { Arn: unknown; DeadLetterConfig: unknown }[] };

    // Assess
    expect(rule.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [logicalIdOf(app.stack.events.notificationQueue), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalIdOf(app.stack.events.deliveryDeadLetterQueue), 'Arn'] } },
      }),
    ]);
    expect(resources[logicalIdOf(app.stack.events.notificationQueue)]?.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [logicalIdOf(app.stack.events.notificationDeadLetterQueue), 'Arn'] },
      maxReceiveCount: 5,
    });
  });

  it('encrypts every queue with KMS and refuses non-TLS requests', () => {
    for (const [, queue] of ofType('AWS::SQS::Queue')) expect(queue.Properties.KmsMasterKeyId).toBeDefined();
    for (const [, policy] of ofType('AWS::SQS::QueuePolicy')) {
      expect((policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('feeds the notification queue to the notifier', () => {
    expect(() => template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(app.stack.events.notificationQueue), 'Arn'] },
      FunctionName: { Ref: logicalIdOf(app.stack.jobs.get('notifier')?.function) },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    })).not.toThrow();
  });

  it('gives the notifier its senders, the webhook sender function and the access-log base, and SMS publishing to phone numbers only', () => {
    // Prepare
    const notifier = app.stack.jobs.get('notifier')?.function;
    const secret = ofType('AWS::SecretsManager::Secret').find(([id]) => id.startsWith('WebhookSigningSecret'));
    const policy = ofType('AWS::IAM::Policy').find(([id]) => id.startsWith('NotifierFunctionServiceRoleDefaultPolicy'))?.[1];

    // Act
    const variables = (resources[logicalIdOf(notifier)]?.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    const statements = (policy?.Properties.PolicyDocument as { Statement: (Statement & { NotResource?: unknown })[] }).Statement;

    // Assess
    expect(variables).toMatchObject({
      CHARTPROOF_EMAIL_SENDER: 'alerts@example.org',
      CHARTPROOF_WEBHOOK_SENDER_FUNCTION: { 'Fn::GetAtt': [logicalIdOf(app.stack.webhookSender?.function), 'Arn'] },
      CHARTPROOF_ACCESS_LOG_BASE_URL: { 'Fn::Join': ['', expect.arrayContaining(['https://', { Ref: logicalIdOf(app.stack.api.restApi) }])] },
    });
    expect(secret?.[1].Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [logicalIdOf(app.stack.keys.operationsKey), 'Arn'] });
    expect(statements.filter((statement) => actionsOf(statement).includes('sns:Publish'))).toEqual([
      { Action: 'sns:Publish', Effect: 'Allow', NotResource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sns:*:*:*']] } },
    ]);
    expect(variables).not.toHaveProperty('CHARTPROOF_WEBHOOK_SECRET_ARN');
  });

  it('runs the webhook sender outside the VPC, lets the notifier invoke it through a Lambda endpoint, and lets only the sender read the webhook key', () => {
    // Prepare
    const sender = logicalIdOf(app.stack.webhookSender?.function);
    const notifierRole = logicalIdOf(app.stack.jobs.get('notifier')?.function.role);
    const secret = ofType('AWS::SecretsManager::Secret').find(([id]) => id.startsWith('WebhookSigningSecret'))?.[0];
    const statementsOf = (policy: Resource) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;

    // Act
    const properties = resources[sender]?.Properties ?? {};
    const invokers = ofType('AWS::IAM::Policy').flatMap(([, policy]) =>
      statementsOf(policy)
        .filter((statement) => actionsOf(statement).includes('lambda:InvokeFunction') && JSON.stringify(statement.Resource).includes(sender))
        .map((statement) => ({ roles: policy.Properties.Roles, resource: statement.Resource })),
    );
    const secretReaders = ofType('AWS::IAM::Policy')
      .filter(([, policy]) => statementsOf(policy).some((statement) => actionsOf(statement).includes('secretsmanager:GetSecretValue') && JSON.stringify(statement.Resource).includes(`"${secret}"`)))
      .map(([id]) => id);
    const lambdaEndpoints = ofType('AWS::EC2::VPCEndpoint').filter(([, endpoint]) => JSON.stringify(endpoint.Properties.ServiceName).includes('.lambda'));

    // Assess
    expect(properties.VpcConfig).toBeUndefined();
    expect(properties).toMatchObject({ Runtime: 'nodejs24.x', ReservedConcurrentExecutions: expect.any(Number), Environment: { Variables: { CHARTPROOF_WEBHOOK_SECRET_ARN: { Ref: secret } } } });
    expect(properties.Environment).not.toHaveProperty('Variables.DATABASE_URL');
    expect(resources[logicalIdOf(app.stack.webhookSender?.logGroup)]?.Properties).toMatchObject({ KmsKeyId: { 'Fn::GetAtt': [logicalIdOf(app.stack.keys.operationsKey), 'Arn'] } });
    expect(invokers).toEqual([{ roles: [{ Ref: notifierRole }], resource: { 'Fn::GetAtt': [sender, 'Arn'] } }]);
    expect(secretReaders).toEqual([expect.stringMatching(/^WebhookSenderFunctionServiceRoleDefaultPolicy/)]);
    expect(lambdaEndpoints.map(([, endpoint]) => endpoint.Properties)).toEqual([expect.objectContaining({ VpcEndpointType: 'Interface', PrivateDnsEnabled: true })]);
  });

  it('tells the checkpointer the checkpoints bucket and its key', () => {
    const variables = (resources[logicalIdOf(app.stack.jobs.get('checkpointer')?.function)]?.Properties.Environment as { Variables: Record<string, unknown> }).Variables;

    expect(variables).toMatchObject({
      CHARTPROOF_CHECKPOINTS_BUCKET: { Ref: logicalIdOf(app.stack.storage.checkpointsBucket) },
      CHARTPROOF_CHECKPOINTS_KMS_KEY_ID: { 'Fn::GetAtt': [logicalIdOf(app.stack.keys.storageKey), 'Arn'] },
    });
  });

  it('alarms on every dead-letter queue and every function through the encrypted topic', () => {
    // Prepare
    const topic = { Ref: logicalIdOf(app.stack.monitoring.alarmTopic) };
    const queues = [app.stack.events.notificationDeadLetterQueue, app.stack.events.deliveryDeadLetterQueue, ...[...app.stack.jobs.values()].map((fn) => fn.deadLetterQueue)];

    // Act
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);

    // Assess
    for (const alarm of alarms) expect(alarm.AlarmActions).toEqual([topic]);
    for (const queue of queues) {
      expect(alarms.some((alarm) => JSON.stringify(alarm.Dimensions).includes(logicalIdOf(queue)) && alarm.MetricName === 'ApproximateNumberOfMessagesVisible')).toBe(true);
    }
    for (const fn of app.stack.routeFunctions.byHandler.values()) {
      expect(alarms.some((alarm) => alarm.MetricName === 'Errors' && JSON.stringify(alarm.Dimensions).includes(logicalIdOf(fn.function)))).toBe(true);
    }
    expect(() => template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() })).not.toThrow();
    expect(() => template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'alarms@example.org' })).not.toThrow();
  });
});

describe('snapshot', () => {
  /** Asset hashes, the deployment id suffix and the migrations hash change with content, not with intent. */
  function normalized(value: unknown): unknown {
    return JSON.parse(JSON.stringify(value, (_key, item: unknown) => (typeof item === 'string' ? item.replace(/[0-9a-fA-F]{32,}/g, '<hash>') : item)));
  }

  it('matches the reviewed template, volatile values aside', () => {
    expect(normalized(template.toJSON())).toMatchSnapshot();
  });
});
