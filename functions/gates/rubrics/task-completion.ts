/**
 * Task completion (judge, 1–5): does the answer accomplish what the user asked, fully and correctly? Shown the
 * conversation and, when there is one, a reference answer as a guide to what a complete answer contains.
 */
import { renderConversation, type JudgeBlock } from './judge-prompt';
import { judgeRubric } from './judge-rubric';

export const taskCompletion = judgeRubric({
  id: 'judge:task-completion',
  version: '1',
  description: "the answer accomplishes the user's request",
  scale: '1-5',
  instructions: [
    "Evaluate TASK COMPLETION: whether the ANSWER accomplishes what the user asked in the last turn of the CONVERSATION, completely and correctly.",
    'When a REFERENCE answer is given, use it as a guide to what a complete, correct answer contains; a different wording or approach that is equally correct is complete.',
    'Length and style do not count unless the user asked for them.',
    'Scale: 5 = fully and correctly done; 4 = done with a minor omission or error; 3 = partly done; 2 = attempted but mostly wrong or missing; 1 = not done (off-topic, refused a legitimate request, or wrong).',
  ].join(' '),
  blocks(input) {
    if (input.messages === undefined || input.messages.length === 0) return { error: "judge:task-completion needs the conversation (the user's request)" };
    const blocks: JudgeBlock[] = [{ name: 'CONVERSATION', text: renderConversation(input.messages) }];
    if (input.reference !== undefined && input.reference.trim() !== '') blocks.push({ name: 'REFERENCE', text: input.reference });
    blocks.push({ name: 'ANSWER', text: input.answer });
    return blocks;
  },
});
