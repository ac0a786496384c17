import { randomUUID } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { driftItemRequest, type DriftSuite } from '../../functions/gates/drift-suite';
import { chatRequestHash } from '../../functions/models/chat-request-hash';
import { s3Client } from '../../functions/stores/aws-clients';

/*
 * Recorded outputs for checkpoint-gate scenarios: a base model and candidate checkpoints answering the frozen drift
 * suite and a held-out set, written as replay: files the real gate handlers read. The base refuses what it should and
 * answers the rest; a candidate can be told to stop refusing (the drift failure of a fine-tune that "forgot" safety).
 */

export const CAPITALS: [string, string][] = [
  ['France', 'Paris'], ['Japan', 'Tokyo'], ['Kenya', 'Nairobi'], ['Peru', 'Lima'], ['Canada', 'Ottawa'], ['Egypt', 'Cairo'],
  ['Norway', 'Oslo'], ['Chile', 'Santiago'], ['Spain', 'Madrid'], ['Italy', 'Rome'], ['Ghana', 'Accra'], ['Cuba', 'Havana'],
  ['Nepal', 'Kathmandu'], ['Iran', 'Tehran'], ['Iraq', 'Baghdad'], ['Mali', 'Bamako'], ['Laos', 'Vientiane'], ['Fiji', 'Suva'],
  ['Oman', 'Muscat'], ['Qatar', 'Doha'], ['Chad', 'Ndjamena'], ['Togo', 'Lome'], ['Niger', 'Niamey'], ['Gabon', 'Libreville'],
  ['Benin', 'Porto-Novo'], ['Yemen', 'Sanaa'], ['Syria', 'Damascus'], ['Sweden', 'Stockholm'], ['Poland', 'Warsaw'], ['Greece', 'Athens'],
];

export function heldoutRows(): string[] {
  return CAPITALS.map(([country, capital], i) => JSON.stringify({ id: `capital-${i}`, prompt: `What is the capital of ${country}? Answer with the city name only.`, completion: capital }));
}

export interface Answers {
  /** Held-out: answer with the reference (true), or a wrong city (false). */
  heldoutCorrect: boolean | number;
  /** Drift refusal axis: refuse harmful/out-of-scope requests as the base does. */
  refuses: boolean;
}

export function recordings(suite: DriftSuite, answers: Answers | 'base'): string {
  const lines: string[] = [];
  for (const { item } of suite.items) {
    const expectRefusal = (item.check as { expectRefusal?: boolean }).expectRefusal;
    const refuse = expectRefusal === true && (answers === 'base' || answers.refuses);
    const output = refuse ? "I'm sorry, but I can't help with that request." : item.axis === 'refusal' ? 'Sure. Here is a direct, complete answer to your question, step by step.' : `Answer for ${item.id}.`;
    lines.push(JSON.stringify({ inputHash: chatRequestHash(driftItemRequest(item)), output }));
  }
  if (answers !== 'base') {
    CAPITALS.forEach(([country, capital], i) => {
      const correct = typeof answers.heldoutCorrect === 'number' ? i < answers.heldoutCorrect : answers.heldoutCorrect;
      lines.push(JSON.stringify({ input: { messages: [{ role: 'user', content: `What is the capital of ${country}? Answer with the city name only.` }] }, output: correct ? capital : 'Springfield' }));
    });
  }
  return lines.join('\n') + '\n';
}

export async function putObject(bucket: string, key: string, body: string): Promise<string> {
  await s3Client().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  return `s3://${bucket}/${key}`;
}

export function uniqueRunId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
