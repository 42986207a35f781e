/**
 * SMS delivery through SNS Publish to a phone number (ARCHITECTURE.md D5), marked Transactional so
 * carriers route it for reliability rather than cost: these are security alerts.
 */
import { PublishCommand, type MessageAttributeValue, type SNSClient } from '@aws-sdk/client-sns';
import type { NotificationMessage } from '../notifications/message.ts';
import type { NotificationSender } from '../ports/notifications.ts';

export type SnsSmsChannelOptions = {
  client: Pick<SNSClient, 'send'>;
  /** Alphanumeric sender id, where the destination country supports one. */
  senderId?: string;
  /** The most to spend on one message, in USD. */
  maxPrice?: string;
};

export class SnsSmsChannel implements NotificationSender {
  readonly #options: SnsSmsChannelOptions;

  constructor(options: SnsSmsChannelOptions) {
    this.#options = options;
  }

  async send(input: { address: string; message: NotificationMessage }): Promise<void> {
    const { client, senderId, maxPrice } = this.#options;
    const attributes: Record<string, MessageAttributeValue> = { 'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' } };
    if (senderId !== undefined) attributes['AWS.SNS.SMS.SenderID'] = { DataType: 'String', StringValue: senderId };
    if (maxPrice !== undefined) attributes['AWS.SNS.SMS.MaxPrice'] = { DataType: 'Number', StringValue: maxPrice };
    await client.send(new PublishCommand({ PhoneNumber: input.address, Message: input.message.text, MessageAttributes: attributes }));
  }
}
