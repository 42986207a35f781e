import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';

/** Static fake credentials: moto accepts any, and nothing here may reach a real AWS account. */
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const region = 'us-east-1';

export const motoEventBridge = (endpoint: string) => new EventBridgeClient({ endpoint, region, credentials });
export const motoSqs = (endpoint: string) => new SQSClient({ endpoint, region, credentials });
