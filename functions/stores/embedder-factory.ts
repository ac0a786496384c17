import { HashedBagOfWordsEmbedder } from '../audit/hashed-embedder';
import { parseEmbeddingModelRef, type Embedder } from '../audit/embedder';
import { BedrockEmbedder } from './bedrock-embedder';
import { OpenAIEmbedder } from './openai-embedder';

/** An embedder for a model reference: `bedrock:<modelId>`, `openai:<model>`, or `local:hashed-bow`. */
export function createEmbedder(ref: string, dimensions?: number): Embedder {
  if (ref === 'local:hashed-bow') return new HashedBagOfWordsEmbedder(dimensions);
  const parsed = parseEmbeddingModelRef(ref);
  return parsed.provider === 'bedrock' ? new BedrockEmbedder({ modelId: parsed.model, dimensions }) : new OpenAIEmbedder({ model: parsed.model, dimensions });
}
