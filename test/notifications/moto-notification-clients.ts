import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';

/** Static fake credentials: moto accepts any, and nothing here may reach a real AWS account. */
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const region = 'us-east-1';

export const motoSes = (endpoint: string) => new SESv2Client({ endpoint, region, credentials });
export const motoSns = (endpoint: string) => new SNSClient({ endpoint, region, credentials });

/**
 * moto's record of model instances (GET /moto-api/data.json): sent SES messages are
 * `ses.Message` {id, source, subject, body, destinations}; SMS published to phone numbers are
 * `sns.SMS` {message_id, phone_number, message}.
 */
export async function motoModels<T>(endpoint: string, service: string, model: string): Promise<T[]> {
  const response = await fetch(new URL('/moto-api/data.json', endpoint));
  const data = (await response.json()) as Record<string, Record<string, T[]>>;
  return data[service]?.[model] ?? [];
}
