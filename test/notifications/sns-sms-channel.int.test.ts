import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SnsSmsChannel } from '../../shared/adapters/sns-sms-channel.ts';
import { testAwsEndpoint } from '../support/services.ts';
import { aMessage } from './fixtures.ts';
import { motoModels, motoSns } from './moto-notification-clients.ts';

const endpoint = testAwsEndpoint();

describe.skipIf(!endpoint)('SnsSmsChannel against moto_server', () => {
  it('publishes the text to the phone number', async () => {
    const phone = `+1415${String(randomInt(10_000_000)).padStart(7, '0')}`;
    const message = aMessage();

    await new SnsSmsChannel({ client: motoSns(endpoint ?? '') }).send({ address: phone, message });

    const sent = (await motoModels<{ phone_number: string; message: string }>(endpoint ?? '', 'sns', 'SMS')).filter((m) => m.phone_number === phone);
    expect(sent.map((m) => m.message)).toEqual([message.text]);
  });
});
