/**
 * The KMS keys (ARCHITECTURE.md D2, D6), one per kind of data, so that a grant on one never
 * reaches another:
 * - recordsKey wraps the per-patient data keys (GenerateDataKey and Decrypt with encryption context
 *   `{patientId}`). Its key policy gives the account administrators key management only, no
 *   cryptographic use: only the roles named in the key policy, each under the encryption-context
 *   conditions, can unwrap a patient key, and adding a role is a key-policy change in CloudTrail.
 * - signingKey signs checkpoints (Ed25519, ED25519_SHA_512, MessageType RAW).
 *   The same key is the SSE-KMS key of the records bucket (a second layer under the Encryption SDK
 *   ciphertext): the key policy lets IAM grant its use through S3 only (`grantUseViaS3`).
 * - storageKey is the S3 default encryption (SSE-KMS with a bucket key) of the checkpoints bucket.
 * - databaseKey encrypts the Aurora storage and the RDS-managed master secret.
 * - operationsKey encrypts operational data that holds ids, never PHI: log groups, queues, the
 *   alarm topic, the event bus and its archive.
 */
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** Key management without cryptographic use (no Encrypt, Decrypt, GenerateDataKey, Sign, CreateGrant). */
const KEY_ADMINISTRATION_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListAliases',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListKeyRotations',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:RetireGrant',
  'kms:RevokeGrant',
  'kms:RotateKeyOnDemand',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
];

/** What a role may do with patient keys: create them (registration) and/or unwrap them (reads and writes). */
export type PatientKeyUse = 'generate' | 'decrypt';

export type KeysProps = {
  /** Prefix of the key aliases, e.g. `chartproof-prod`. */
  readonly aliasPrefix: string;
};

export class Keys extends Construct {
  readonly recordsKey: kms.Key;
  readonly signingKey: kms.Key;
  readonly storageKey: kms.Key;
  readonly databaseKey: kms.Key;
  readonly operationsKey: kms.Key;

  constructor(scope: Construct, id: string, props: KeysProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.recordsKey = new kms.Key(this, 'RecordsKey', {
      description: 'Chartproof: wraps the per-patient record keys (encryption context patientId)',
      alias: `${props.aliasPrefix}-records`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
      policy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: 'KeyAdministrationWithoutUse',
            principals: [new iam.AccountRootPrincipal()],
            actions: KEY_ADMINISTRATION_ACTIONS,
            resources: ['*'],
          }),
          // S3 default encryption of the records bucket: IAM decides who may have S3 use the key
          // (Storage.grantRecordRead/Write, for that bucket only). It never unwraps a patient key.
          new iam.PolicyStatement({
            sid: 'ObjectEncryptionThroughS3',
            principals: [new iam.AccountRootPrincipal()],
            actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
            resources: ['*'],
            conditions: {
              StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com`, 'kms:CallerAccount': stack.account },
            },
          }),
        ],
      }),
    });

    this.signingKey = new kms.Key(this, 'SigningKey', {
      description: 'Chartproof: signs journal checkpoints (Ed25519, C2SP signed notes)',
      alias: `${props.aliasPrefix}-checkpoint-signing`,
      keySpec: kms.KeySpec.ECC_NIST_EDWARDS25519,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      pendingWindow: Duration.days(30),
    });

    this.storageKey = new kms.Key(this, 'StorageKey', {
      description: 'Chartproof: S3 default encryption of the checkpoints bucket',
      alias: `${props.aliasPrefix}-storage`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
    });

    this.databaseKey = new kms.Key(this, 'DatabaseKey', {
      description: 'Chartproof: Aurora storage and the RDS-managed master secret',
      alias: `${props.aliasPrefix}-database`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
    });

    this.operationsKey = new kms.Key(this, 'OperationsKey', {
      description: 'Chartproof: log groups, queues, the alarm topic and the event bus (ids only, no PHI)',
      alias: `${props.aliasPrefix}-operations`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
    });
    // CloudWatch Logs encrypts with the key as its own service principal, for this account's log groups only.
    this.operationsKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchLogsOfThisAccount',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        },
      }),
    );
    // CloudWatch alarms publish to the encrypted alarm topic.
    this.operationsKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisAccount',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
  }

  /**
   * Lets `grantee` use the records key for patient keys only: every call must carry an encryption
   * context whose only key is `patientId`. The statement goes into the key policy (which alone can
   * allow use of this key) and, for the record, into the grantee's policy.
   */
  grantPatientKeyUse(grantee: iam.IGrantable, uses: readonly PatientKeyUse[]): iam.Grant {
    const actions = [...new Set(uses)].sort().map((use) => (use === 'generate' ? 'kms:GenerateDataKey' : 'kms:Decrypt'));
    return iam.Grant.addToPrincipalAndResource({
      grantee,
      actions,
      resourceArns: [this.recordsKey.keyArn],
      resource: this.recordsKey,
      resourceSelfArns: ['*'],
      conditions: {
        'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['patientId'] },
        Null: { 'kms:EncryptionContext:patientId': 'false' },
      },
    });
  }

  /**
   * Lets `grantee` have S3 use `key` for objects of `bucketArn` (SSE-KMS): through S3 only, with
   * S3's encryption context naming that bucket (the bucket itself with a bucket key, or an object).
   * An identity-policy grant: the key policy delegates S3-mediated use to IAM (`delegateUseViaS3`).
   */
  static grantUseViaS3(key: kms.IKey, grantee: iam.IGrantable, options: { actions: readonly string[]; bucketArn: string }): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [...options.actions],
      resourceArns: [key.keyArn],
      conditions: {
        StringEquals: { 'kms:ViaService': `s3.${Stack.of(key).region}.amazonaws.com` },
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': [options.bucketArn, `${options.bucketArn}/*`] },
      },
    });
  }

  /** Lets `grantee` sign checkpoints and read the verifier key. */
  grantCheckpointSigning(grantee: iam.IGrantable): iam.Grant {
    return this.signingKey.grant(grantee, 'kms:Sign', 'kms:GetPublicKey');
  }

  /** Lets `grantee` read the verifier (public) key only. */
  grantVerifierKeyRead(grantee: iam.IGrantable): iam.Grant {
    return this.signingKey.grant(grantee, 'kms:GetPublicKey');
  }
}
