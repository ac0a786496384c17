import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { eventBridgeClient } from './aws-clients';
import type { EventPublisher } from './event-publisher';

export class EventBridgePublisher implements EventPublisher {
  constructor(private readonly busName: string) {}

  async publish(source: string, detailType: string, detail: object, resources: string[] = []): Promise<void> {
    const out = await eventBridgeClient().send(
      new PutEventsCommand({ Entries: [{ EventBusName: this.busName, Source: source, DetailType: detailType, Detail: JSON.stringify(detail), Resources: resources }] }),
    );
    // PutEvents reports per-entry failures in a 200 response: an unchecked one is a silently lost event.
    if (out.FailedEntryCount) {
      const entry = out.Entries?.[0];
      throw new Error(`PutEvents rejected ${detailType}: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`.trim());
    }
  }
}
