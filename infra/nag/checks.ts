/**
 * The two cdk-nag 3 packs the app is held to (ARCHITECTURE.md D6 "Checks"). They run as CDK
 * validation plugins during synthesis: an unacknowledged error stops `cdk synth`, and every finding
 * is in `cdk.out/validation-report.json`.
 */
import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, type NagPack } from 'cdk-nag';

/** Fresh instances of the packs, for direct use with `validateScope` (tests). */
export function nagPacks(app: App): NagPack[] {
  return [new HIPAASecurityChecks(app), new AwsSolutionsChecks(app)];
}

export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(...nagPacks(app));
}
