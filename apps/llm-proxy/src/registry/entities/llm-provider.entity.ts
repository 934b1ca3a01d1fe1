import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * A provider account: its type (which adapter speaks to it), where it lives and, optionally, a
 * provider-level key used by models that have none of their own. `enabled: false` turns every
 * model of the provider off.
 */
@Entity({ name: 'llm_providers' })
export class LlmProviderEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** Unique; models name it in their `provider` field (often the same as the type). */
  @Column({ type: 'varchar', length: 200, unique: true })
  name!: string;

  /** openai, anthropic, google, groq, qwen, kimi, ollama, azure, openai-compatible or mock. */
  @Column({ type: 'varchar', length: 40 })
  type!: string;

  @Column({ name: 'base_url', type: 'text', nullable: true })
  baseUrl!: string | null;

  /** Azure's `api-version`. */
  @Column({ name: 'api_version', type: 'varchar', length: 40, nullable: true })
  apiVersion!: string | null;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  /** Provider-specific settings passed to the adapter. */
  @Column({ type: 'jsonb', default: () => `'{}'::jsonb` })
  config!: Record<string, unknown>;

  /** AES-256-GCM ciphertext (SecretCipher) of the provider-level key; never returned. */
  @Column({ name: 'api_key_ciphertext', type: 'text', nullable: true })
  apiKeyCiphertext!: string | null;

  /** `sk-…abcd`: enough for a person to tell keys apart. */
  @Column({ name: 'api_key_hint', type: 'varchar', length: 40, nullable: true })
  apiKeyHint!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
