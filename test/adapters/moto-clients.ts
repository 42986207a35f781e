import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';

/** Static fake credentials: moto accepts any, and nothing here may reach a real AWS account. */
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const region = 'us-east-1';

/** A KMS client for moto_server at `endpoint` (from `testAwsEndpoint()`). */
export function motoKms(endpoint: string): KMSClient {
  return new KMSClient({ endpoint, region, credentials });
}

/** An S3 client for moto_server at `endpoint`; path-style, since bucket subdomains do not resolve on loopback. */
export function motoS3(endpoint: string): S3Client {
  return new S3Client({ endpoint, region, credentials, forcePathStyle: true });
}
