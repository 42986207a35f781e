/**
 * Who can call the API (ARCHITECTURE.md D3, API.md "Conventions"): a Cognito user pool whose ID
 * tokens carry `sub`, `cognito:groups` (exactly one of the four roles) and, for patients,
 * `custom:patient_id`.
 *
 * - No self sign-up: administrators create users (README, "Creating the first admin user").
 * - MFA is required, with TOTP apps only (no SMS codes, which SIM swaps defeat).
 * - Threat protection (Plus plan) blocks compromised credentials and risky sign-ins.
 * - `custom:patient_id` is immutable and not writable by app clients: a patient can never point
 *   their own token at another patient's records.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

export const ROLES = ['patient', 'practitioner', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export type UserDirectoryProps = {
  /** The user pool's name, e.g. `chartproof-prod`. */
  readonly name: string;
};

export class UserDirectory extends Construct {
  readonly userPool: cognito.UserPool;
  /** The app client of the platform's apps (SRP sign-in, no client secret: public clients). */
  readonly appClient: cognito.UserPoolClient;
  readonly groups: ReadonlyMap<Role, cognito.UserPoolGroup>;

  constructor(scope: Construct, id: string, props: UserDirectoryProps) {
    super(scope, id);

    this.userPool = new cognito.UserPool(this, 'UserPool', {
      userPoolName: props.name,
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      signInCaseSensitive: false,
      standardAttributes: { email: { required: true, mutable: true } },
      customAttributes: { patient_id: new cognito.StringAttribute({ minLen: 36, maxLen: 36, mutable: false }) },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
        passwordHistorySize: 24,
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const groups = new Map<Role, cognito.UserPoolGroup>();
    for (const [precedence, role] of ROLES.entries()) {
      groups.set(role, this.userPool.addGroup(`${role}Group`, { groupName: role, precedence, description: `Chartproof ${role}s` }));
    }
    this.groups = groups;

    const readable = new cognito.ClientAttributes().withStandardAttributes({ email: true, emailVerified: true }).withCustomAttributes('patient_id');
    const writable = new cognito.ClientAttributes().withStandardAttributes({ email: true });
    this.appClient = this.userPool.addClient('AppClient', {
      authFlows: { userSrp: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      readAttributes: readable,
      writeAttributes: writable,
      idTokenValidity: Duration.minutes(15),
      accessTokenValidity: Duration.minutes(15),
      refreshTokenValidity: Duration.hours(12),
    });
  }
}
