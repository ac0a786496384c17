import { DescribeExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { sfnClient } from './aws-clients';
import type { RolloutStopper, StopOutcome } from '../canary/rollout-stopper';

/** Step Functions' limits on StopExecution's error and cause fields. */
const ERROR_LIMIT = 256;
const CAUSE_LIMIT = 32_768;

/**
 * Stops a canary rollout execution through Step Functions (StopExecution). An execution that has already ended, or
 * does not exist, needs no stopping: a rollback that runs twice stops it once and reports 'not-running' after.
 */
export class SfnRolloutStopper implements RolloutStopper {
  /**
   * @param stateMachineArn when given, only executions of this state machine are stopped: an execution ARN read from
   *   a version's environment is not trusted to name anything else.
   */
  constructor(
    private readonly stateMachineArn?: string,
    private readonly error = 'finegate.CanaryRolledBack',
  ) {}

  async stop(executionArn: string, cause: string): Promise<StopOutcome> {
    if (this.stateMachineArn !== undefined && !executionArn.startsWith(`${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:`)) {
      throw new Error(`execution ${executionArn} is not of the rollout state machine ${this.stateMachineArn}: not stopping it`);
    }
    try {
      await sfnClient().send(new StopExecutionCommand({ executionArn, error: this.error.slice(0, ERROR_LIMIT), cause: cause.slice(0, CAUSE_LIMIT) }));
      return 'stopped';
    } catch (error) {
      if ((error as { name?: string }).name === 'ExecutionDoesNotExist') return 'not-running';
      // Whatever the service calls a stop of an ended execution, the execution's own status says whether it matters.
      const status = await sfnClient()
        .send(new DescribeExecutionCommand({ executionArn }))
        .then((d) => d.status)
        .catch(() => undefined);
      if (status !== undefined && status !== 'RUNNING') return 'not-running';
      throw error;
    }
  }
}
