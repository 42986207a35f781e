/**
 * Aurora IAM database authentication: the password of each new connection is a short-lived
 * (15 minute) token presigned with the function's own credentials, so no database password exists
 * anywhere. node-postgres calls the provider for every connection it opens, so a pool that lives
 * longer than a token still logs in.
 */
import { Signer } from '@aws-sdk/rds-signer';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

export type IamAuthTokenOptions = {
  /** The PostgreSQL connection string whose host, port and user the token is for. */
  readonly url: string;
  readonly region: string;
  /** Default: the AWS SDK's default credential chain (the Lambda role). */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
};

/** A node-postgres `password` function that answers a fresh IAM auth token for the URL's host, port and user. */
export function iamAuthTokenProvider(options: IamAuthTokenOptions): () => Promise<string> {
  const url = new URL(options.url);
  const username = decodeURIComponent(url.username);
  if (url.hostname === '' || username === '') throw new Error('an IAM-authenticated database URL needs a host and a user');
  const signer = new Signer({
    hostname: url.hostname,
    port: url.port === '' ? 5432 : Number(url.port),
    username,
    region: options.region,
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
  });
  return () => signer.getAuthToken();
}
