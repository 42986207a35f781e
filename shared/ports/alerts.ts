/**
 * The AlertSink port: what must reach the patient at once (ARCHITECTURE.md D3, D5): a break-glass
 * read, a denied attempt. The use case raises the domain event after its entry is journaled;
 * delivery (outbox, EventBridge, notifications) is the events issue's. `raise` must not throw or
 * block the request: an adapter queues.
 */
import type { JournalReceipt } from '../errors.ts';

export type AlertKind = 'access.break-glass' | 'access.denied';

export type AccessAlert = {
  readonly kind: AlertKind;
  readonly patientId: string;
  readonly actor: { readonly id: string; readonly role: string };
  /** RFC 3339. */
  readonly at: string;
  readonly recordIds: readonly string[];
  /** The journal entry the alert is about. No free text: never the break-glass reason. */
  readonly entry: JournalReceipt;
};

export interface AlertSink {
  raise(alert: AccessAlert): void;
}

/** An AlertSink that keeps what it was told, for the local server and tests. */
export class RecordingAlertSink implements AlertSink {
  readonly alerts: AccessAlert[] = [];

  raise(alert: AccessAlert): void {
    this.alerts.push(alert);
  }
}
