/** The schema-migration custom resource's handler, around the database work (tested in the .int. file). */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler } from '../../infra/lambda/schema-migrations.ts';

const common = {
  ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:provider',
  ResponseURL: 'https://example.org/response',
  StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/Chartproof-test/1',
  RequestId: 'request-1',
  LogicalResourceId: 'Schema',
  ResourceType: 'Custom::ChartproofSchema',
  ResourceProperties: { ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:provider', migrationsHash: 'abc' },
};

describe('schema-migration handler', () => {
  it('keeps the schema when the resource is deleted', async () => {
    // Prepare
    const event: CloudFormationCustomResourceEvent = { ...common, RequestType: 'Delete', PhysicalResourceId: 'chartproof-schema' };

    // Act
    const response = await handler(event);

    // Assess
    expect(response).toEqual({ PhysicalResourceId: 'chartproof-schema' });
  });

  it('refuses to run without its configuration, naming what is missing', async () => {
    // Prepare
    const event: CloudFormationCustomResourceEvent = { ...common, RequestType: 'Create' };

    // Act
    const run = handler(event);

    // Assess
    await expect(run).rejects.toThrow(/CHARTPROOF_DB_HOST/);
  });
});
