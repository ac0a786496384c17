import { eventBridgeClient } from '../../functions/stores/aws-clients';
import { emitCheckpointReady } from '../../sdk/checkpoint-ready';
import { parseGateArgs } from './gate-command';
import { connect, requireOutput } from './stack-connection';
import { UsageError } from './usage-error';

export const EMIT_HELP = `Usage: finegate emit checkpoint-ready <runId> <checkpoint> --candidate <model ref> --step <n> [--loss <x>] [--final] [--promote]
                     [--local [--state-dir .finegate] | --stack Finegate --region <region>]

Publishes a "Checkpoint Ready" event on the stack's bus, as a training job does, and returns at once (use
'finegate gate' to publish and wait for the verdict). The event is checked against its schema first: a wrong
field is named and nothing is sent. Prints the event id.

From a training job, the same in Python (boto3) or TypeScript (sdk/checkpoint-ready.ts, emitCheckpointReady): see
README, "Training-job integration".

Exit codes: 0 published, 2 bad usage, an invalid event or no stack to reach.
`;

/** `finegate emit`; returns the exit code. */
export async function emitCommand(argv: string[]): Promise<number> {
  const [kind, ...rest] = argv;
  if (kind !== 'checkpoint-ready') {
    throw new UsageError(kind === undefined ? 'which event? give checkpoint-ready (see --help)' : `unknown event '${kind}': finegate emits checkpoint-ready`);
  }
  const args = parseGateArgs(rest);
  const connection = await connect(args);
  const eventBusName = requireOutput(connection, 'EventBusName');
  const { eventId } = await emitCheckpointReady(args.detail, { eventBusName, client: eventBridgeClient() });
  process.stdout.write(`published Checkpoint Ready for ${args.detail.runId}/${args.detail.checkpoint} (step ${args.detail.step}) on ${eventBusName} of ${connection.description}: event ${eventId}\n`);
  return 0;
}
