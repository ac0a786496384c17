/**
 * Groundedness (judge, 1–5): is every factual claim of the answer supported by the given context? Needs the
 * context the answer should rest on; an input without one cannot be judged (an error, not a low score).
 */
import { renderConversation, type JudgeBlock } from './judge-prompt';
import { judgeRubric } from './judge-rubric';

export const groundedness = judgeRubric({
  id: 'judge:groundedness',
  version: '1',
  description: "every claim of the answer is supported by the context",
  scale: '1-5',
  instructions: [
    'Evaluate GROUNDEDNESS: whether every factual claim in the ANSWER is supported by the CONTEXT.',
    'Judge support only: not style, not helpfulness, and not whether a claim is true in the world if the CONTEXT does not say it.',
    'Saying that the CONTEXT does not contain the answer is grounded.',
    'Scale: 5 = every claim is supported by the CONTEXT; 4 = all central claims supported, a minor detail is not;',
    '3 = a mix of supported and unsupported claims; 2 = the central claim is unsupported; 1 = the answer contradicts the CONTEXT or is mostly unsupported.',
  ].join(' '),
  blocks(input) {
    if (input.context === undefined || input.context.trim() === '') return { error: 'judge:groundedness needs a context' };
    const blocks: JudgeBlock[] = [{ name: 'CONTEXT', text: input.context }];
    if (input.messages !== undefined && input.messages.length > 0) blocks.push({ name: 'CONVERSATION', text: renderConversation(input.messages) });
    blocks.push({ name: 'ANSWER', text: input.answer });
    return blocks;
  },
});
