/**
 * The buckets (ARCHITECTURE.md D2, D1 "Witnessing"):
 * - records: Encryption SDK ciphertexts under immutable keys `records/<patientId>/<recordId>/<version>`;
 * - checkpoints: signed checkpoints, the witness copy of the journal's tree heads;
 * - accessLogs: S3 server access logs of both (SSE-S3, the only default encryption S3 server access
 *   logging accepts on its target).
 *
 * Records and checkpoints are versioned with Object Lock and a default retention (GOVERNANCE by
 * default; COMPLIANCE is an opt-in that nobody can undo for stored versions), SSE-KMS with a bucket
 * key, TLS only and no public access. Noncurrent versions move to Glacier Instant Retrieval and
 * expire only once their retention has ended, which S3 enforces anyway for locked versions.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from '../nag/acknowledge.ts';
import { defaultPolicyOf } from '../nag/lambda-role.ts';
import { Keys } from './keys.ts';

export type ObjectLockMode = 'GOVERNANCE' | 'COMPLIANCE';

export type StorageProps = {
  readonly objectLock: { readonly mode: ObjectLockMode; readonly retentionYears: number };
  /**
   * SSE-KMS key of the records bucket: the records key, which the functions also name on every
   * PutObject (shared/adapters/s3-object-store.ts), usable through S3 for this bucket only.
   */
  readonly recordsKey: kms.IKey;
  /** SSE-KMS key of the checkpoints bucket. */
  readonly storageKey: kms.IKey;
};

/** The prefix under which the records bucket holds record versions. */
export const RECORDS_PREFIX = 'records/';

const REPLICATION_REASON =
  'Cross-region replication is a disaster-recovery choice of the deploying organisation (it needs a second region and key); ' +
  'durability here comes from S3 (11 nines), versioning and Object Lock, and every object hash is also in the journal.';

export class Storage extends Construct {
  readonly recordsBucket: s3.Bucket;
  readonly checkpointsBucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;
  readonly recordsKey: kms.IKey;
  readonly storageKey: kms.IKey;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    this.recordsKey = props.recordsKey;
    this.storageKey = props.storageKey;
    const retentionDays = Math.ceil(props.objectLock.retentionYears * 365.25);

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'archive-then-expire-access-logs',
          transitions: [{ storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(90) }],
          expiration: Duration.days(retentionDays),
          noncurrentVersionExpiration: Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
    });
    acknowledge(
      this.accessLogsBucket,
      { id: 'HIPAA.Security-S3DefaultEncryptionKMS', reason: 'S3 server access logging only delivers to targets whose default encryption is SSE-S3; the logs hold request metadata, not record content.' },
      { id: 'HIPAA.Security-S3BucketReplicationEnabled', reason: REPLICATION_REASON },
    );

    this.recordsBucket = this.lockedBucket('Records', { ...props, key: props.recordsKey, retentionDays, logPrefix: 'records/' });
    this.checkpointsBucket = this.lockedBucket('Checkpoints', { ...props, key: props.storageKey, retentionDays, logPrefix: 'checkpoints/' });
  }

  /** Lets `grantee` store record versions (PutObject under records/, SSE-KMS with the records key through S3). */
  grantRecordWrite(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:PutObject'], resourceArns: [this.recordsBucket.arnForObjects(`${RECORDS_PREFIX}*`)] });
    Keys.grantUseViaS3(this.recordsKey, grantee, { actions: ['kms:GenerateDataKey'], bucketArn: this.recordsBucket.bucketArn });
    this.acknowledgeObjectWildcard(grantee, this.recordsBucket, RECORDS_PREFIX);
  }

  /** Lets `grantee` read record versions; ListBucket makes a missing key a 404 rather than a 403. */
  grantRecordRead(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: [this.recordsBucket.arnForObjects(`${RECORDS_PREFIX}*`)] });
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:ListBucket'], resourceArns: [this.recordsBucket.bucketArn] });
    Keys.grantUseViaS3(this.recordsKey, grantee, { actions: ['kms:Decrypt'], bucketArn: this.recordsBucket.bucketArn });
    this.acknowledgeObjectWildcard(grantee, this.recordsBucket, RECORDS_PREFIX);
  }

  /** Lets `grantee` write and read signed checkpoints. */
  grantCheckpointWrite(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:PutObject', 's3:GetObject'], resourceArns: [this.checkpointsBucket.arnForObjects('*')] });
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:ListBucket'], resourceArns: [this.checkpointsBucket.bucketArn] });
    this.storageKey.grant(grantee, 'kms:GenerateDataKey', 'kms:Decrypt');
    this.acknowledgeObjectWildcard(grantee, this.checkpointsBucket, '');
  }

  /** Object keys are made at run time (per patient, record and version), so object grants name a prefix. */
  private acknowledgeObjectWildcard(grantee: iam.IGrantable, bucket: s3.Bucket, prefix: string): void {
    const policy = defaultPolicyOf(grantee.grantPrincipal as iam.IRole);
    if (policy === undefined) return;
    const logicalId = Stack.of(bucket).getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
    acknowledge(policy, {
      id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/${prefix}*]`,
      reason: `Object keys are created at run time (one per patient, record and version); the grant names only the ${prefix === '' ? 'objects' : `${prefix} prefix`} of this one bucket, and only the object actions this function uses.`,
    });
  }

  private lockedBucket(
    id: string,
    props: StorageProps & { key: kms.IKey; retentionDays: number; logPrefix: string },
  ): s3.Bucket {
    const { retentionDays, logPrefix } = props;
    const retention = Duration.days(retentionDays);
    const bucket = new s3.Bucket(this, id, {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.key,
      bucketKeyEnabled: true,
      enforceSSL: true,
      versioned: true,
      objectLockEnabled: true,
      objectLockDefaultRetention:
        props.objectLock.mode === 'COMPLIANCE' ? s3.ObjectLockRetention.compliance(retention) : s3.ObjectLockRetention.governance(retention),
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: logPrefix,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'noncurrent-versions',
          noncurrentVersionTransitions: [{ storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(30) }],
          // Object Lock keeps a locked version whatever the lifecycle says; this only clears versions whose retention has ended.
          noncurrentVersionExpiration: Duration.days(retentionDays + 1),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
    });
    acknowledge(bucket, { id: 'HIPAA.Security-S3BucketReplicationEnabled', reason: REPLICATION_REASON });
    return bucket;
  }
}
