import { describe, expect, it } from 'vitest';
import { iamAuthTokenProvider } from '../../shared/adapters/postgres/iam-auth-token.ts';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

describe('iamAuthTokenProvider', () => {
  it('answers an RDS IAM token presigned for the URL host, port and user', async () => {
    // Prepare
    const password = iamAuthTokenProvider({
      url: 'postgresql://chartproof_runtime@db.cluster-abc.eu-west-1.rds.amazonaws.com:5432/chartproof?sslmode=verify-full',
      region: 'eu-west-1',
      credentials,
    });

    // Act
    const token = new URL(`https://${await password()}`);

    // Assess
    expect({
      host: token.host,
      action: token.searchParams.get('Action'),
      user: token.searchParams.get('DBUser'),
      scope: token.searchParams.get('X-Amz-Credential')?.split('/').slice(2, 4).join('/'),
      signed: /^[0-9a-f]{64}$/.test(token.searchParams.get('X-Amz-Signature') ?? ''),
    }).toEqual({
      host: 'db.cluster-abc.eu-west-1.rds.amazonaws.com:5432',
      action: 'connect',
      user: 'chartproof_runtime',
      scope: 'eu-west-1/rds-db',
      signed: true,
    });
  });

  it('defaults the port to 5432', async () => {
    const password = iamAuthTokenProvider({ url: 'postgresql://u@db.example:5432/x'.replace(':5432', ''), region: 'us-east-1', credentials });

    expect(new URL(`https://${await password()}`).port).toBe('5432');
  });

  it('refuses a URL without a user, rather than sign a token nobody can use', () => {
    expect(() => iamAuthTokenProvider({ url: 'postgresql://db.example/x', region: 'us-east-1', credentials })).toThrow(/needs a host and a user/);
  });
});
