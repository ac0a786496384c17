/**
 * Tool-call schema adherence (judge, 0–1): is the answer a call of one of the offered tools, with arguments that
 * satisfy that tool's parameter schema? Needs the tool definitions; the conversation is shown when there is one,
 * so the judge can tell whether a call was wanted at all.
 */
import { renderConversation, type JudgeBlock } from './judge-prompt';
import { judgeRubric } from './judge-rubric';

export const toolCallSchema = judgeRubric({
  id: 'judge:tool-call-schema',
  version: '1',
  description: "the answer's tool call names an offered tool with arguments that satisfy its schema",
  scale: '0-1',
  instructions: [
    'Evaluate TOOL-CALL SCHEMA ADHERENCE. The ANSWER should be a call of one of the tools defined in TOOLS.',
    'The criterion is met (score 1) only when the call names a defined tool, every required argument is present,',
    'every argument has the type and allowed values its schema gives, and there is no argument the schema does not define (unless it allows extra ones).',
    'Otherwise (no call, an unknown tool, a missing or ill-typed argument, malformed arguments) the score is 0. Do not judge whether the chosen tool was the best one.',
  ].join(' '),
  blocks(input) {
    if (input.tools === undefined) return { error: 'judge:tool-call-schema needs the tool definitions' };
    const tools = typeof input.tools === 'string' ? input.tools : JSON.stringify(input.tools, null, 2);
    if (tools === undefined || tools.trim() === '') return { error: 'judge:tool-call-schema needs the tool definitions' };
    const blocks: JudgeBlock[] = [{ name: 'TOOLS', text: tools }];
    if (input.messages !== undefined && input.messages.length > 0) blocks.push({ name: 'CONVERSATION', text: renderConversation(input.messages) });
    blocks.push({ name: 'ANSWER', text: input.answer });
    return blocks;
  },
});
