/**
 * cdk-nag 3 acknowledgments (`Validations.of(construct).acknowledge`), always on the narrowest
 * construct and always with a reason a security reviewer can check.
 *
 * Context `chartproof:withoutAcknowledgment=<rule id>` drops every acknowledgment of that rule id
 * (`*`: all of them), so a test can prove that an acknowledgment is what keeps a finding out of the
 * report, and that no acknowledgment is left over from a finding that no longer exists.
 */
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

export const WITHOUT_ACKNOWLEDGMENT_CONTEXT = 'chartproof:withoutAcknowledgment';

export type Acknowledgment = {
  /** A rule id, or a finding id `RuleId[Finding]` (cdk-nag 3 acknowledges findings one by one). */
  readonly id: string;
  readonly reason: string;
};

export function acknowledge(construct: IConstruct, ...acknowledgments: Acknowledgment[]): void {
  const skipped = construct.node.tryGetContext(WITHOUT_ACKNOWLEDGMENT_CONTEXT) as unknown;
  for (const { id, reason } of acknowledgments) {
    if (id === skipped || skipped === '*') continue;
    Validations.of(construct).acknowledge({ id, reason });
  }
}
