import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { LlmModelEntity } from './llm-model.entity';

/** enabled | disabled (by an admin) | invalid (the provider answered 401/403). */
export type ModelKeyStatus = 'enabled' | 'disabled' | 'invalid';

export const MODEL_KEY_STATUSES: readonly ModelKeyStatus[] = ['enabled', 'disabled', 'invalid'];

/** One API key of a model, encrypted at rest; only its hint ever leaves the registry. */
@Entity({ name: 'llm_model_keys' })
export class LlmModelKeyEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'model_id', type: 'uuid' })
  modelId!: string;

  @ManyToOne('LlmModelEntity', 'keys', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'model_id' })
  model?: LlmModelEntity;

  /** `v1:<masterKeyId>:<iv>:<tag>:<ciphertext>` from SecretCipher. */
  @Column({ name: 'key_ciphertext', type: 'text' })
  keyCiphertext!: string;

  @Column({ name: 'key_hint', type: 'varchar', length: 40 })
  keyHint!: string;

  @Column({ type: 'varchar', length: 20, default: 'enabled' })
  status!: ModelKeyStatus;

  /** Why the key was marked invalid (the provider's status, never the key). */
  @Column({ name: 'invalid_reason', type: 'text', nullable: true })
  invalidReason!: string | null;

  /** Order within the model's pool (round-robin walks it). */
  @Column({ type: 'integer', default: 0 })
  position!: number;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
