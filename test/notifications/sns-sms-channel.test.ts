import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SnsSmsChannel } from '../../shared/adapters/sns-sms-channel.ts';
import { aMessage } from './fixtures.ts';

// moto does not keep SMS attributes, so the attributes are checked on the request itself.
const sns = mockClient(SNSClient);

describe('SnsSmsChannel request', () => {
  beforeEach(() => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });

  it('marks the SMS transactional', async () => {
    await new SnsSmsChannel({ client: new SNSClient({ region: 'us-east-1' }) }).send({ address: '+14155550123', message: aMessage() });

    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input.MessageAttributes).toEqual({
      'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
    });
  });

  it('adds the configured sender id and price cap', async () => {
    await new SnsSmsChannel({ client: new SNSClient({ region: 'us-east-1' }), senderId: 'HOSPITAL', maxPrice: '0.50' }).send({ address: '+14155550123', message: aMessage() });

    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input.MessageAttributes).toMatchObject({
      'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: 'HOSPITAL' },
      'AWS.SNS.SMS.MaxPrice': { DataType: 'Number', StringValue: '0.50' },
    });
  });
});
