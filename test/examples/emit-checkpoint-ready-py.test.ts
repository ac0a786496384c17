import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHECKPOINT_READY, checkpointReadyDetailSchema } from '../../events/checkpoint-ready';
import { SOURCES } from '../../events/event-sources';

/* The Python snippet training jobs copy must send what the gate reads: its source, detail type and detail keys. */

const python = readFileSync(new URL('../../examples/emit_checkpoint_ready.py', import.meta.url), 'utf8');

describe('examples/emit_checkpoint_ready.py', () => {
  it('sends the Checkpoint Ready source and detail type', () => {
    expect(python).toContain(`"Source": "${SOURCES.training}"`);
    expect(python).toContain(`"DetailType": "${CHECKPOINT_READY}"`);
  });

  it('writes exactly the detail fields of the schema, the required ones always', () => {
    const keys = [...python.matchAll(/detail(?:\["(\w+)"\]| = \{([^}]*)\})/g)].flatMap((m) => (m[1] ? [m[1]] : [...m[2]!.matchAll(/"(\w+)":/g)].map((k) => k[1]!)));
    const shape = checkpointReadyDetailSchema.shape;
    expect(new Set(keys)).toEqual(new Set(Object.keys(shape)));
    const required = Object.entries(shape).filter(([, s]) => !s.safeParse(undefined).success).map(([k]) => k);
    const always = [...python.matchAll(/detail = \{([^}]*)\}/g)].flatMap((m) => [...m[1]!.matchAll(/"(\w+)":/g)].map((k) => k[1]!));
    for (const key of required) expect(always, key).toContain(key);
  });
});
