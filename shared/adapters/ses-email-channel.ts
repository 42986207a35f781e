/** Email delivery through SES v2 SendEmail (ARCHITECTURE.md D5), from the configured identity only. */
import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { NotificationMessage } from '../notifications/message.ts';
import type { NotificationSender } from '../ports/notifications.ts';

export type SesEmailChannelOptions = {
  client: Pick<SESv2Client, 'send'>;
  /** A verified SES identity, e.g. "alerts@hospital.example". */
  fromAddress: string;
  configurationSetName?: string;
};

export class SesEmailChannel implements NotificationSender {
  readonly #options: SesEmailChannelOptions;

  constructor(options: SesEmailChannelOptions) {
    this.#options = options;
  }

  async send(input: { address: string; message: NotificationMessage }): Promise<void> {
    const { client, fromAddress, configurationSetName } = this.#options;
    await client.send(
      new SendEmailCommand({
        FromEmailAddress: fromAddress,
        Destination: { ToAddresses: [input.address] },
        Content: { Simple: { Subject: { Data: input.message.subject, Charset: 'UTF-8' }, Body: { Text: { Data: input.message.text, Charset: 'UTF-8' } } } },
        ConfigurationSetName: configurationSetName,
        EmailTags: [{ Name: 'kind', Value: input.message.kind.replace(/[^A-Za-z0-9_-]/g, '_') }],
      }),
    );
  }
}
