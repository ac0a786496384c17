import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CHECKPOINT_READY, checkpointReadyDetailSchema, type CheckpointReadyDetail } from '../events/checkpoint-ready';
import { SOURCES } from '../events/event-sources';

/**
 * For training jobs written in TypeScript: announces a checkpoint to finegate's gate (a `Checkpoint Ready` event on
 * the finegate bus), checked against the event's schema before it is sent, so a wrong field fails in the training job
 * with its name instead of being rejected later by the gate.
 *
 *   await emitCheckpointReady({ runId: 'support-bot-v1', checkpoint: 'ckpt-1200', step: 1200,
 *     candidateModel: 'bedrock:arn:aws:bedrock:…:custom-model/…', trainingLoss: 0.82, final: true, promote: true });
 */

export const DEFAULT_EVENT_BUS_NAME = 'finegate';

export interface EmitOptions {
  /** The bus of the finegate stack (its EventBusName output). @default 'finegate' */
  eventBusName?: string;
  /** A client of your own (region, credentials, endpoint); by default one from the environment. */
  client?: EventBridgeClient;
}

/** The detail does not match the Checkpoint Ready schema; the message names every wrong field. */
export class InvalidCheckpointReady extends Error {
  override readonly name = 'InvalidCheckpointReady';
}

export async function emitCheckpointReady(detail: CheckpointReadyDetail, options: EmitOptions = {}): Promise<{ eventId: string }> {
  const parsed = checkpointReadyDetailSchema.safeParse(detail);
  if (!parsed.success) {
    throw new InvalidCheckpointReady(`invalid Checkpoint Ready: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(detail)'}: ${i.message}`).join('; ')}`);
  }
  const client = options.client ?? new EventBridgeClient({});
  try {
    const out = await client.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: options.eventBusName ?? DEFAULT_EVENT_BUS_NAME, Source: SOURCES.training, DetailType: CHECKPOINT_READY, Detail: JSON.stringify(parsed.data) }],
      }),
    );
    const entry = out.Entries?.[0];
    // PutEvents answers 200 with a per-entry error: unchecked, the checkpoint would never be gated.
    if (out.FailedEntryCount || entry?.EventId === undefined) {
      throw new Error(`PutEvents rejected Checkpoint Ready for ${parsed.data.runId}/${parsed.data.checkpoint}: ${entry?.ErrorCode ?? 'no event id'} ${entry?.ErrorMessage ?? ''}`.trim());
    }
    return { eventId: entry.EventId };
  } finally {
    if (options.client === undefined) client.destroy();
  }
}
