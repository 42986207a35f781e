import { composeMessage, type NotificationMessage } from '../../shared/notifications/message.ts';
import { anEvent } from '../events/fixtures.ts';

/** A composed alert for a break-glass read. */
export function aMessage(): NotificationMessage {
  return composeMessage({ event: anEvent({ type: 'access.break-glass' }), coalescedBefore: 0, config: { accessLogBaseUrl: 'https://app.example.org' } });
}
