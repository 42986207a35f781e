import { describe, expect, it } from 'vitest';
import { checkpointConfigFromEnv } from '../../functions/aws/compose-checkpointer.ts';
import { notifierConfigFromEnv } from '../../functions/aws/compose-notifier.ts';
import { webhookSenderConfigFromEnv } from '../../functions/aws/compose-webhook-sender.ts';
import { ConfigurationError } from '../../functions/aws/environment.ts';

const notifierEnv = {
  DATABASE_URL: 'postgresql://chartproof_runtime@db.example:5432/chartproof?sslmode=verify-full',
  CHARTPROOF_DATABASE_IAM_AUTH: 'true',
  AWS_REGION: 'eu-west-1',
  CHARTPROOF_ACCESS_LOG_BASE_URL: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod/',
  CHARTPROOF_EMAIL_SENDER: 'alerts@hospital.example',
  CHARTPROOF_WEBHOOK_SENDER_FUNCTION: 'arn:aws:lambda:eu-west-1:123456789012:function:chartproof-webhook-sender',
  // The stack gives every job the API's variables too; the notifier ignores them.
  CHARTPROOF_RECORDS_BUCKET: 'records',
};

describe('notifierConfigFromEnv', () => {
  it('accepts what the stack sets and ignores the rest', () => {
    expect(notifierConfigFromEnv(notifierEnv)).toEqual({
      DATABASE_URL: notifierEnv.DATABASE_URL,
      CHARTPROOF_DATABASE_IAM_AUTH: 'true',
      AWS_REGION: 'eu-west-1',
      CHARTPROOF_ACCESS_LOG_BASE_URL: notifierEnv.CHARTPROOF_ACCESS_LOG_BASE_URL,
      CHARTPROOF_EMAIL_SENDER: 'alerts@hospital.example',
      CHARTPROOF_WEBHOOK_SENDER_FUNCTION: notifierEnv.CHARTPROOF_WEBHOOK_SENDER_FUNCTION,
    });
  });

  it('names every invalid variable without quoting a value', () => {
    const env = { ...notifierEnv, CHARTPROOF_ACCESS_LOG_BASE_URL: 'http://insecure.example/', CHARTPROOF_EMAIL_SENDER: 'not-an-address', DATABASE_URL: undefined };

    const read = () => notifierConfigFromEnv(env);

    expect(read).toThrow(ConfigurationError);
    expect(read).toThrow(/DATABASE_URL: .*CHARTPROOF_ACCESS_LOG_BASE_URL: .*CHARTPROOF_EMAIL_SENDER: /);
    expect(read).not.toThrow(/insecure\.example|not-an-address/);
  });
});

describe('webhookSenderConfigFromEnv', () => {
  it('needs the region and the secret only, and ignores the rest', () => {
    const env = { AWS_REGION: 'eu-west-1', CHARTPROOF_WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:webhook-AbCdEf', DATABASE_URL: 'postgresql://x@y/z' };

    expect(webhookSenderConfigFromEnv(env)).toEqual({ AWS_REGION: 'eu-west-1', CHARTPROOF_WEBHOOK_SECRET_ARN: env.CHARTPROOF_WEBHOOK_SECRET_ARN });
    expect(() => webhookSenderConfigFromEnv({ AWS_REGION: 'eu-west-1' })).toThrow(/CHARTPROOF_WEBHOOK_SECRET_ARN: /);
  });
});

describe('checkpointConfigFromEnv', () => {
  it('takes the checkpoints bucket with its key, or neither', () => {
    expect(checkpointConfigFromEnv({ AWS_REGION: 'eu-west-1', CHARTPROOF_CHECKPOINTS_BUCKET: 'cp', CHARTPROOF_CHECKPOINTS_KMS_KEY_ID: 'arn:aws:kms:eu-west-1:1:key/k' })).toEqual({
      AWS_REGION: 'eu-west-1',
      CHARTPROOF_CHECKPOINTS_BUCKET: 'cp',
      CHARTPROOF_CHECKPOINTS_KMS_KEY_ID: 'arn:aws:kms:eu-west-1:1:key/k',
    });
    expect(checkpointConfigFromEnv({ AWS_REGION: 'eu-west-1' })).toEqual({ AWS_REGION: 'eu-west-1' });
    expect(() => checkpointConfigFromEnv({ AWS_REGION: 'eu-west-1', CHARTPROOF_CHECKPOINTS_BUCKET: 'cp' })).toThrow(/go together/);
  });
});
