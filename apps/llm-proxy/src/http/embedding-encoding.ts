import type { EmbeddingResponse } from '@kastra/llm';

/** An embeddings answer with each vector as base64 of its little-endian float32 values. */
export interface Base64EmbeddingResponse extends Omit<EmbeddingResponse, 'data'> {
  data: Array<{ object: 'embedding'; index: number; embedding: string }>;
}

/** The vector as OpenAI sends it for `encoding_format: "base64"`: float32, little-endian, base64. */
export function float32Base64(vector: readonly number[]): string {
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i], i * 4);
  return bytes.toString('base64');
}

/**
 * The answer in the encoding the client asked for. Upstreams are always asked for floats, so the
 * proxy can count and transform the answer whatever the client wants.
 */
export function encodeEmbeddings(response: EmbeddingResponse, format: 'float' | 'base64' | undefined): EmbeddingResponse | Base64EmbeddingResponse {
  if (format !== 'base64') return response;
  return { ...response, data: response.data.map((item) => ({ ...item, embedding: float32Base64(item.embedding) })) };
}
