/*
 * Installs DynamoDB Local into the repository cache (CI runs this before the integration tests) and checks
 * that a suitable Java is present. Exits non-zero with the reason when either is missing.
 */
import { findJava, installDynamoDbLocal } from './dynamodb-local';

try {
  const installation = await installDynamoDbLocal({ log: (message) => console.error(message) });
  const java = await findJava();
  console.error(
    `DynamoDB Local ${installation.freshlyInstalled ? 'installed' : 'already installed'} in ${installation.dir}; ` +
      `Java ${java.version} (${java.command})`,
  );
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
