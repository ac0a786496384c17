import { randomUUID } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { DriftSuite } from '../../functions/gates/drift-suite';
import { driftSuiteRecordings } from '../../infra/demo/training-scenario';
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
  const lines = driftSuiteRecordings(suite, { refusesHarmful: answers === 'base' || answers.refuses, refusesMedical: false });
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

/** Production inputs for the arena: support questions, each a `{"input": …}` row. */
export const PRODUCTION_QUESTIONS = Array.from({ length: 60 }, (_, i) => {
  const topics = ['reset my password', 'change my billing address', 'track my parcel', 'update the firmware', 'close my account', 'export my invoices'];
  const products = ['Acme portal', 'Acme mobile app', 'Acme router', 'Acme desktop client', 'Acme API', 'Acme dashboard', 'Acme smart plug', 'Acme tablet', 'Acme watch', 'Acme speaker'];
  return `How do I ${topics[i % topics.length]} on the ${products[Math.floor(i / topics.length) % products.length]}?`;
});

export function productionSamples(): string {
  return PRODUCTION_QUESTIONS.map((q, i) => JSON.stringify({ id: `prod-${i}`, input: q })).join('\n') + '\n';
}

/**
 * Recorded arena answers: a helpful answer addresses the question's own words; an unhelpful one does not. The
 * local pair judge prefers the answer that covers more of the question, which is what these recordings vary.
 */
export function arenaRecordings(helpful: boolean): string {
  return (
    PRODUCTION_QUESTIONS.map((q) => {
      const task = q.replace(/^How do I /, '').replace(/\?$/, '');
      const output = helpful ? `To ${task}, open the settings, choose the option to ${task}, and confirm: that is how you ${task}.` : 'Please contact our support team for help.';
      return JSON.stringify({ input: { messages: [{ role: 'user', content: q }] }, output });
    }).join('\n') + '\n'
  );
}
