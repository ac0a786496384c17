import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { sfnClient } from './aws-clients';

export type ExecutionStart = { started: true; executionArn: string } | { started: false; duplicate: true; executionArn: string };

/** Starts a state machine execution under a caller-chosen name; a name already used is a duplicate, not an error. */
export interface ExecutionStarter {
  start(name: string, input: object): Promise<ExecutionStart>;
}

export class SfnExecutionStarter implements ExecutionStarter {
  constructor(private readonly stateMachineArn: string) {}

  async start(name: string, input: object): Promise<ExecutionStart> {
    try {
      const out = await sfnClient().send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name, input: JSON.stringify(input) }));
      return { started: true, executionArn: out.executionArn ?? executionArn(this.stateMachineArn, name) };
    } catch (error) {
      // A Standard workflow refuses a name used in the last 90 days (with other input, or once closed): the
      // checkpoint is already being, or has been, gated. Redelivered events land here.
      if ((error as { name?: string }).name === 'ExecutionAlreadyExists') return { started: false, duplicate: true, executionArn: executionArn(this.stateMachineArn, name) };
      throw error;
    }
  }
}

/** arn:…:stateMachine:<machine> → arn:…:execution:<machine>:<name> */
export function executionArn(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}
