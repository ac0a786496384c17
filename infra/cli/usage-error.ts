/** A mistake in how the CLI was called, or an input it cannot read: exit code 2, message without a stack. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
