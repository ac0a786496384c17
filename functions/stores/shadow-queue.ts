import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { sqsClient } from './aws-clients';
import type { ShadowMessage, ShadowQueue } from '../canary/shadow-message';

/** Shadow messages on SQS, one message per request, as JSON. */
export class SqsShadowQueue implements ShadowQueue {
  constructor(private readonly queueUrl: string) {}

  async send(message: ShadowMessage): Promise<void> {
    await sqsClient().send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message) }));
  }
}
