/**
 * The functions that are not routes, by the module path each will live at. Each is deployed only
 * once its module exists (their issues come later); until then the infrastructure around them
 * (queues, dead-letter queues, alarms) is in place and the stack says what is missing.
 */
export const BACKGROUND_JOBS = {
  /** Consumes the notification queue (ARCHITECTURE.md D5); an SQS batch handler. */
  notifier: 'functions/jobs/notify.ts',
  /** Republishes outbox events still unpublished (D4); on a schedule. */
  outboxRelay: 'functions/jobs/relay-outbox.ts',
  /** Signs a checkpoint when the tree has grown and writes it to the checkpoints bucket (D1); on a schedule. */
  checkpointer: 'functions/jobs/sign-checkpoint.ts',
} as const;

/**
 * The webhook sender (ARCHITECTURE.md D5): invoked by the notifier, deployed with it when its
 * module exists. Not a background job: it is the one function outside the VPC (see
 * infra/chartproof-stack.ts), with no database and no schedule or queue of its own.
 */
export const WEBHOOK_SENDER = 'functions/jobs/send-webhook.ts';
