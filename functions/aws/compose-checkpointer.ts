/**
 * The checkpoint job's composition root (functions/jobs/sign-checkpoint.ts): the journal as the
 * API composes it (compose.ts: database and KMS signer), plus the checkpoints bucket.
 *
 * Environment: everything compose.ts reads, and (set by the stack for this job)
 *   CHARTPROOF_CHECKPOINTS_BUCKET         the checkpoints bucket; without it no witness copy is kept
 *   CHARTPROOF_CHECKPOINTS_KMS_KEY_ID     the key its objects are encrypted under (required with the bucket)
 */
import { S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { S3ObjectStore } from '../../shared/adapters/s3-object-store.ts';
import { repairReceipts } from '../../shared/audit/repair-receipts.ts';
import type { CheckpointJobDeps } from '../jobs/sign-checkpoint.ts';
import { awsApiDeps } from './compose.ts';
import { parseEnvironment } from './environment.ts';

export const CheckpointEnvSchema = z
  .object({
    AWS_REGION: z.string().trim().min(1, 'is required'),
    CHARTPROOF_CHECKPOINTS_BUCKET: z.string().trim().min(1).optional(),
    CHARTPROOF_CHECKPOINTS_KMS_KEY_ID: z.string().trim().min(1).optional(),
  })
  .refine((env) => (env.CHARTPROOF_CHECKPOINTS_BUCKET === undefined) === (env.CHARTPROOF_CHECKPOINTS_KMS_KEY_ID === undefined), {
    message: 'CHARTPROOF_CHECKPOINTS_BUCKET and CHARTPROOF_CHECKPOINTS_KMS_KEY_ID go together',
  });

export type CheckpointConfig = z.infer<typeof CheckpointEnvSchema>;

export function checkpointConfigFromEnv(env: Record<string, string | undefined> = process.env): CheckpointConfig {
  return parseEnvironment(CheckpointEnvSchema, env);
}

/** Builds the job's dependencies: the API composition's journal, stores and logger, and the witness bucket. */
export async function awsCheckpointDeps(config: CheckpointConfig = checkpointConfigFromEnv()): Promise<CheckpointJobDeps> {
  const deps = await awsApiDeps();
  const { CHARTPROOF_CHECKPOINTS_BUCKET: bucket, CHARTPROOF_CHECKPOINTS_KMS_KEY_ID: kmsKeyId } = config;
  const { projection, control } = deps.records;
  if (control === undefined) throw new Error('the API composition has no patient control to repair receipts in');
  return {
    journal: deps.journal,
    witness: bucket === undefined || kmsKeyId === undefined ? undefined : new S3ObjectStore({ s3: new S3Client({ region: config.AWS_REGION }), bucket, kmsKeyId }),
    repairReceipts: () => repairReceipts({ projection, control, journal: deps.journal }),
    log: deps.observability.logger,
  };
}
