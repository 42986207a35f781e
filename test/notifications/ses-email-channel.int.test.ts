import { randomUUID } from 'node:crypto';
import { CreateEmailIdentityCommand } from '@aws-sdk/client-sesv2';
import { describe, expect, it } from 'vitest';
import { SesEmailChannel } from '../../shared/adapters/ses-email-channel.ts';
import { testAwsEndpoint } from '../support/services.ts';
import { aMessage } from './fixtures.ts';
import { motoModels, motoSes } from './moto-notification-clients.ts';

const endpoint = testAwsEndpoint();

type SentEmail = { source: string; subject: string; body: string; destinations: { ToAddresses?: string[] } };

describe.skipIf(!endpoint)('SesEmailChannel against moto_server', () => {
  const ses = motoSes(endpoint ?? '');

  it('sends the subject and text from the verified identity to the address', async () => {
    const fromAddress = `alerts-${randomUUID()}@hospital.example`;
    await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: fromAddress }));
    const to = `pat-${randomUUID()}@example.org`;
    const message = aMessage();

    await new SesEmailChannel({ client: ses, fromAddress }).send({ address: to, message });

    const sent = (await motoModels<SentEmail>(endpoint ?? '', 'ses', 'Message')).filter((m) => m.destinations.ToAddresses?.includes(to));
    expect(sent.map(({ source, subject, body }) => ({ source, subject, body }))).toEqual([{ source: fromAddress, subject: message.subject, body: message.text }]);
  });

  it('rejects when the sender is not a verified identity', async () => {
    const channel = new SesEmailChannel({ client: ses, fromAddress: `unverified-${randomUUID()}@nowhere.example` });

    const send = channel.send({ address: 'pat@example.org', message: aMessage() });

    await expect(send).rejects.toThrow(/not verified/);
  });
});
