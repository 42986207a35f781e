import type { SQSEvent, SQSRecord } from 'aws-lambda';

/** An SQS event as Lambda's event source mapping delivers it: one record per [messageId, body]. */
export function sqsEvent(messages: readonly (readonly [messageId: string, body: string])[], queueArn = 'arn:aws:sqs:us-east-1:000000000000:notifications'): SQSEvent {
  return {
    Records: messages.map(
      ([messageId, body]): SQSRecord => ({
        messageId,
        receiptHandle: `handle-${messageId}`,
        body,
        attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'events', ApproximateFirstReceiveTimestamp: '0' },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: queueArn,
        awsRegion: 'us-east-1',
      }),
    ),
  };
}
