import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';

/** A deployed stack's outputs and status, read with DescribeStacks (the CLI's way to find the deployed resources). */
export async function describeStackOutputs(stackName: string, region?: string): Promise<{ region: string; status?: string; outputs: Record<string, string>; found: boolean }> {
  const client = new CloudFormationClient(region ? { region } : {});
  try {
    const out = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = out.Stacks?.[0];
    const outputs: Record<string, string> = {};
    for (const output of stack?.Outputs ?? []) if (output.OutputKey && output.OutputValue !== undefined) outputs[output.OutputKey] = output.OutputValue;
    return { region: await client.config.region(), found: stack !== undefined, outputs, ...(stack?.StackStatus ? { status: stack.StackStatus } : {}) };
  } finally {
    client.destroy();
  }
}
