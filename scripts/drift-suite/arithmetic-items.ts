/**
 * The `arithmetic` axis: short word problems with one verifiable numeric answer, from templates filled with seeded
 * numbers. Money is computed in cents and distances in whole units, so every expected answer is exact.
 */
import type { DriftItem } from '../../functions/gates/drift-suite';
import type { SeededRandom } from '../../functions/gates/seeded-random';

const NAMES = ['Maria', 'Kenji', 'Amara', 'Lucas', 'Priya', 'Omar', 'Sofia', 'Chen', 'Fatima', 'Jonas', 'Aisha', 'Diego', 'Ingrid', 'Tomas', 'Leila', 'Ravi'];
const ANSWER_LINE = 'Show your working briefly, then end with a line of the form "Answer: <number>".';

interface Problem {
  question: string;
  expected: number;
  tolerance: number;
}

type Template = (r: SeededRandom) => Problem;

const dollars = (cents: number): string => `$${(cents / 100).toFixed(2)}`;

const TEMPLATES: readonly Template[] = [
  (r) => {
    const name = r.pick(NAMES);
    const a = r.between(2, 9) * 100 + r.pick([0, 25, 50, 75]);
    const b = r.between(1, 4) * 100 + r.pick([0, 25, 50, 75]);
    const x = r.between(2, 6);
    const y = r.between(2, 9);
    return {
      question: `A notebook costs ${dollars(a)} and a pen costs ${dollars(b)}. ${name} buys ${x} notebooks and ${y} pens. How many dollars does ${name} spend in total?`,
      expected: (a * x + b * y) / 100,
      tolerance: 0.005,
    };
  },
  (r) => {
    const s1 = r.between(6, 12) * 10;
    const t1 = r.between(2, 5);
    const s2 = r.between(4, 9) * 10;
    const t2 = r.between(1, 4);
    return {
      question: `A train travels at ${s1} km/h for ${t1} hours, then at ${s2} km/h for ${t2} hours. How many kilometres does it travel in total?`,
      expected: s1 * t1 + s2 * t2,
      tolerance: 1e-6,
    };
  },
  (r) => {
    const price = r.between(3, 15) * 2000;
    const discount = r.pick([10, 15, 20, 25, 30, 35, 40]);
    return {
      question: `A jacket costs ${dollars(price)}. The shop takes ${discount}% off the price. What is the discounted price in dollars?`,
      expected: (price * (100 - discount)) / 10000,
      tolerance: 0.005,
    };
  },
  (r) => {
    const k = r.between(3, 9);
    const n = k * r.between(4, 12) + r.between(1, k - 1);
    return {
      question: `${n} cookies are shared equally among ${k} children, each child getting as many whole cookies as possible. How many cookies are left over?`,
      expected: n % k,
      tolerance: 1e-6,
    };
  },
  (r) => {
    const c = r.pick([30, 35, 40, 45, 50, 52]);
    const n = c * r.between(3, 9) + r.between(1, c - 1);
    return {
      question: `A school is taking ${n} people on a trip. Each bus holds at most ${c} people. What is the smallest number of buses needed?`,
      expected: Math.ceil(n / c),
      tolerance: 1e-6,
    };
  },
  (r) => {
    const name = r.pick(NAMES);
    const scores = [r.between(55, 99), r.between(55, 99), r.between(55, 99), r.between(55, 99)];
    // Any whole-number total over five tests gives a mean in steps of 0.2.
    scores.push(r.between(55, 99));
    const total = scores.reduce((a, b) => a + b, 0);
    return {
      question: `${name} scored ${scores.slice(0, 4).join(', ')} and ${scores[4]} on five tests. What is ${name}'s mean score?`,
      expected: total / 5,
      tolerance: 0.005,
    };
  },
  (r) => {
    const name = r.pick(NAMES);
    const age = r.between(4, 12);
    const k = r.between(3, 5);
    const y = r.between(2, 15);
    return {
      question: `${name} is ${age} years old. ${name}'s grandmother's age is 10 more than ${k} times ${name}'s age. How old will the grandmother be in ${y} years?`,
      expected: age * k + 10 + y,
      tolerance: 1e-6,
    };
  },
  (r) => {
    const rate = r.between(3, 15) * 4;
    const hours = r.between(2, 7);
    const minutes = r.pick([15, 30, 45]);
    return {
      question: `A machine makes ${rate} widgets per hour at a steady rate. How many widgets does it make in ${hours} hours and ${minutes} minutes?`,
      expected: rate * hours + (rate * minutes) / 60,
      tolerance: 1e-6,
    };
  },
  (r) => {
    const n = r.between(6, 40) * 20;
    const p = r.between(2, 18) * 5;
    return {
      question: `Of the ${n} students at a school, ${p}% walk to school. How many students walk to school?`,
      expected: (n * p) / 100,
      tolerance: 1e-6,
    };
  },
  (r) => {
    const grams = r.between(35, 90) * 10;
    const loaves = r.between(3, 24);
    return {
      question: `A bakery uses ${grams} grams of flour for each loaf of bread. How many kilograms of flour does it need for ${loaves} loaves?`,
      expected: (grams * loaves) / 1000,
      tolerance: 0.0005,
    };
  },
  (r) => {
    const cows = r.between(3, 40);
    const chickens = r.between(5, 60);
    const ducks = r.between(0, 12);
    return {
      question: `A farm has ${cows} cows, ${chickens} chickens and ${ducks} ducks. How many legs do these animals have in total?`,
      expected: cows * 4 + chickens * 2 + ducks * 2,
      tolerance: 1e-6,
    };
  },
  (r) => {
    const name = r.pick(NAMES);
    const weekly = r.between(3, 25);
    const start = r.between(0, 60);
    const target = start + weekly * r.between(4, 20) - r.between(0, weekly - 1);
    return {
      question: `${name} has $${start} saved and saves $${weekly} more every week. After how many whole weeks will ${name} first have at least $${target}?`,
      expected: Math.ceil((target - start) / weekly),
      tolerance: 1e-6,
    };
  },
];

export function arithmeticItems(random: SeededRandom, perTemplate = 4): DriftItem[] {
  const items: DriftItem[] = [];
  for (let round = 0; round < perTemplate; round++) {
    for (const template of TEMPLATES) {
      const problem = template(random);
      items.push({
        id: '',
        axis: 'arithmetic',
        messages: [{ role: 'user', content: `${problem.question}\n\n${ANSWER_LINE}` }],
        check: { rubric: 'numeric-answer', expected: problem.expected, tolerance: problem.tolerance },
      });
    }
  }
  return random.shuffle(items).map((item, i) => ({ ...item, id: `arithmetic-${String(i + 1).padStart(3, '0')}` }));
}
