/** Constructs on their own, for the configuration choices the stack test does not take. */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { cdkJsonContext } from '../../infra/chartproof-app.ts';
import { Database } from '../../infra/constructs/database.ts';
import { Monitoring } from '../../infra/constructs/monitoring.ts';
import { exportsLambdaHandler, functionId } from '../../infra/constructs/route-functions.ts';
import { Storage } from '../../infra/constructs/storage.ts';
import { HANDLER_NEEDS } from '../../infra/handler-needs.ts';
import { routes } from '../../functions/routes.ts';

/** A stack with the feature flags the app runs with (cdk.json). */
function bareStack(): Stack {
  return new Stack(new App({ context: cdkJsonContext() }), 'Bare');
}

describe('Storage', () => {
  it('locks in COMPLIANCE mode when the stage opts in', () => {
    // Prepare
    const stack = bareStack();

    // Act
    new Storage(stack, 'Storage', {
      objectLock: { mode: 'COMPLIANCE', retentionYears: 7 },
      recordsKey: new kms.Key(stack, 'RecordsKey'),
      storageKey: new kms.Key(stack, 'StorageKey'),
    });

    // Assess
    const locked = Object.values(Template.fromStack(stack).findResources('AWS::S3::Bucket', { Properties: { ObjectLockEnabled: true } }));
    expect(locked.map((bucket) => bucket.Properties.ObjectLockConfiguration.Rule.DefaultRetention)).toEqual([
      { Mode: 'COMPLIANCE', Days: 2557 },
      { Mode: 'COMPLIANCE', Days: 2557 },
    ]);
  });
});

describe('Database', () => {
  function database(minCapacity: number): Template {
    const stack = bareStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    new Database(stack, 'Database', {
      clusterIdentifier: 'chartproof-bare',
      vpc,
      subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      clientSecurityGroup: new ec2.SecurityGroup(stack, 'Clients', { vpc }),
      databaseKey: new kms.Key(stack, 'DatabaseKey'),
      logsKey: new kms.Key(stack, 'LogsKey'),
      logRetention: logs.RetentionDays.ONE_YEAR,
      minCapacity,
      maxCapacity: 8,
      autoPauseMinutes: 10,
      backupRetentionDays: 7,
      multiAz: false,
    });
    return Template.fromStack(stack);
  }

  it('pauses after the configured idle time when its minimum capacity is 0', () => {
    expect(Object.values(database(0).findResources('AWS::RDS::DBCluster'))[0]?.Properties.ServerlessV2ScalingConfiguration).toEqual({
      MinCapacity: 0,
      MaxCapacity: 8,
      SecondsUntilAutoPause: 600,
    });
  });

  it('never pauses when its minimum capacity is above 0', () => {
    expect(Object.values(database(0.5).findResources('AWS::RDS::DBCluster'))[0]?.Properties.ServerlessV2ScalingConfiguration).toEqual({
      MinCapacity: 0.5,
      MaxCapacity: 8,
    });
  });

  it('writes the PostgreSQL log to the encrypted log group RDS uses for the cluster', () => {
    expect(Object.values(database(0).findResources('AWS::Logs::LogGroup'))[0]?.Properties).toMatchObject({
      LogGroupName: '/aws/rds/cluster/chartproof-bare/postgresql',
      KmsKeyId: expect.anything(),
    });
  });
});

describe('Monitoring', () => {
  it('has no subscription without an alarm address', () => {
    // Prepare
    const stack = bareStack();

    // Act
    new Monitoring(stack, 'Monitoring', { topicName: 'alarms', operationsKey: new kms.Key(stack, 'Key'), alarmEmail: undefined });

    // Assess
    expect(Template.fromStack(stack).findResources('AWS::SNS::Subscription')).toEqual({});
  });
});

describe('route functions', () => {
  it.each([
    ['export const handler = lambdaHandler(makeHandler);', true],
    ['export async function handler(event) {}', true],
    ['const handler = 1;\nexport { handler };', true],
    ['export { makeHandler as handler };', true],
    ['export function makeHandler(deps) {}', false],
    ['export const handlerFactory = 1;', false],
  ])('sees whether %j exports the Lambda handler', (source, exported) => {
    expect(exportsLambdaHandler(source)).toBe(exported);
  });

  it('names a function after its module', () => {
    expect(functionId('functions/handlers/read-record-history.ts')).toBe('ReadRecordHistory');
  });
});

describe('handler needs', () => {
  it('list every handler module of the route table, and nothing else', () => {
    expect(Object.keys(HANDLER_NEEDS).sort()).toEqual([...new Set(routes.map((route) => route.handler))].sort());
  });
});
