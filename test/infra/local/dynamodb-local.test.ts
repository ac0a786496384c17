import { afterEach, describe, expect, it } from 'vitest';
import { chmod, mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findJava, JavaRuntimeError } from '../../../infra/local/dynamodb-local';

/* The Java checks, against stand-in `java` executables that print what real JDKs print. */

const saved = { JAVA_HOME: process.env.JAVA_HOME, PATH: process.env.PATH };
const dirs: string[] = [];

afterEach(async () => {
  process.env.JAVA_HOME = saved.JAVA_HOME;
  if (saved.JAVA_HOME === undefined) delete process.env.JAVA_HOME;
  process.env.PATH = saved.PATH;
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function fakeJavaHome(versionLine: string): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'fake-jdk-'));
  dirs.push(home);
  await mkdir(join(home, 'bin'));
  const java = join(home, 'bin', 'java');
  await writeFile(java, `#!/bin/sh\necho '${versionLine}' >&2\n`);
  await chmod(java, 0o755);
  return home;
}

describe.skipIf(process.platform === 'win32')('findJava', () => {
  it('accepts Java 17 and newer from JAVA_HOME', async () => {
    process.env.JAVA_HOME = await fakeJavaHome('openjdk version "21.0.2" 2024-01-16');
    const java = await findJava();
    expect(java).toMatchObject({ version: '21.0.2', major: 21 });
    expect(java.command).toBe(join(process.env.JAVA_HOME, 'bin', 'java'));
  });

  it('rejects Java 8 (reported as 1.8) and 11 with a clear message', async () => {
    process.env.JAVA_HOME = await fakeJavaHome('java version "1.8.0_292"');
    await expect(findJava()).rejects.toThrow(/needs Java 17 or newer; .* is Java 1\.8\.0_292/);
    process.env.JAVA_HOME = await fakeJavaHome('openjdk version "11.0.20" 2023-07-18');
    await expect(findJava()).rejects.toBeInstanceOf(JavaRuntimeError);
  });

  it('explains how to get Java when there is none', async () => {
    delete process.env.JAVA_HOME;
    process.env.PATH = await mkdtemp(join(tmpdir(), 'empty-path-'));
    dirs.push(process.env.PATH);
    await expect(findJava()).rejects.toThrow(/no java was found.*openjdk-17-jre-headless.*JAVA_HOME/);
  });
});
