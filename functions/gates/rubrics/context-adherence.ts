/**
 * Context adherence (judge, 1–5): does the answer respect what the conversation established before it: the system
 * prompt's role and scope, constraints stated in earlier turns, facts the user gave? Needs the conversation.
 */
import { renderConversation } from './judge-prompt';
import { judgeRubric } from './judge-rubric';

export const contextAdherence = judgeRubric({
  id: 'judge:context-adherence',
  version: '1',
  description: 'the answer respects the instructions, constraints and facts established in the conversation',
  scale: '1-5',
  instructions: [
    'Evaluate CONTEXT ADHERENCE: whether the ANSWER, the assistant\'s next turn in the CONVERSATION, respects everything the conversation established before it:',
    'the system message\'s role, scope and rules, constraints the user stated in earlier turns (format, language, length, things to avoid), and facts the user gave.',
    'Do not judge correctness beyond what the conversation establishes.',
    'Scale: 5 = respects all of it; 4 = one minor lapse; 3 = ignores one stated constraint or fact; 2 = ignores several; 1 = disregards the established context.',
  ].join(' '),
  blocks(input) {
    if (input.messages === undefined || input.messages.length === 0) return { error: 'judge:context-adherence needs the conversation' };
    return [
      { name: 'CONVERSATION', text: renderConversation(input.messages) },
      { name: 'ANSWER', text: input.answer },
    ];
  },
});
