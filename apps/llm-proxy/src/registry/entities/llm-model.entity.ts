import { Column, CreateDateColumn, Entity, OneToMany, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { LlmModelKeyEntity } from './llm-model-key.entity';

/** Who owns a model row: the admin API, or an LLM resource (then only the resource changes it). */
export type ModelSource = 'admin' | 'resource';

/**
 * A callable model, with the admin API's fields. Clients name it by `model_id`; rows that
 * mirror an LLM resource have `model_id` = the resource's `namespace.name` handle.
 */
@Entity({ name: 'llm_models' })
export class LlmModelEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  /** The handle clients send as `model`; unique across the registry. */
  @Column({ name: 'model_id', type: 'varchar', length: 300, unique: true })
  modelId!: string;

  /** The model name the provider knows, when it differs from `model_id` (resource rows). */
  @Column({ name: 'upstream_model', type: 'varchar', length: 300, nullable: true })
  upstreamModel!: string | null;

  /** A provider type, or the name of an `llm_providers` row. */
  @Column({ type: 'varchar', length: 200 })
  provider!: string;

  /** chat, embedding, ... or a client's own values (生文, ...): stored as given. */
  @Column({ type: 'varchar', length: 60, default: 'chat' })
  type!: string;

  @Column({ type: 'text', default: '' })
  description!: string;

  /** enabled | disabled | inactive; only enabled models resolve. */
  @Column({ type: 'varchar', length: 20, default: 'enabled' })
  status!: string;

  @Column({ name: 'base_url', type: 'text', nullable: true })
  baseUrl!: string | null;

  @Column({ name: 'api_version', type: 'varchar', length: 40, nullable: true })
  apiVersion!: string | null;

  /** Azure deployment name. */
  @Column({ type: 'varchar', length: 200, nullable: true })
  deployment!: string | null;

  /** api_key | none | bearer ...: stored as given. */
  @Column({ name: 'auth_type', type: 'varchar', length: 40, default: 'api_key' })
  authType!: string;

  /** single | round-robin */
  @Column({ name: 'key_usage_mode', type: 'varchar', length: 20, default: 'single' })
  keyUsageMode!: string;

  @Column({ name: 'supports_vision', type: 'boolean', default: false })
  supportsVision!: boolean;

  @Column({ name: 'max_tokens', type: 'integer', nullable: true })
  maxTokens!: number | null;

  @Column({ name: 'context_window', type: 'integer', nullable: true })
  contextWindow!: number | null;

  /** USD per million tokens; null = unpriced (never reported as $0). */
  @Column({ name: 'input_price', type: 'double precision', nullable: true })
  inputPrice!: number | null;

  @Column({ name: 'output_price', type: 'double precision', nullable: true })
  outputPrice!: number | null;

  @Column({ name: 'cache_read_price', type: 'double precision', nullable: true })
  cacheReadPrice!: number | null;

  @Column({ name: 'cache_write_price', type: 'double precision', nullable: true })
  cacheWritePrice!: number | null;

  @Column({ name: 'rpm_limit', type: 'integer', nullable: true })
  rpmLimit!: number | null;

  @Column({ name: 'tpm_limit', type: 'integer', nullable: true })
  tpmLimit!: number | null;

  /** Handles tried in order when this model fails. */
  @Column({ type: 'jsonb', default: () => `'[]'::jsonb` })
  fallbacks!: string[];

  @Column({ type: 'varchar', length: 20, default: 'admin' })
  source!: ModelSource;

  /** `namespace.name` of the LLM resource of a `source: resource` row. */
  @Column({ name: 'resource_ref', type: 'varchar', length: 300, nullable: true, unique: true })
  resourceRef!: string | null;

  /** Default request options (temperature, maxTokens, ...) and adapter settings. */
  @Column({ type: 'jsonb', default: () => `'{}'::jsonb` })
  options!: Record<string, unknown>;

  @OneToMany(() => LlmModelKeyEntity, (key) => key.model)
  keys?: LlmModelKeyEntity[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
