import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * One user's own rate limits over all models, set by an admin; a user without a row gets the
 * proxy's defaults (KASTRA_LLM_USER_RPM / KASTRA_LLM_USER_TPM). A null limit is no limit: it
 * overrides the default too.
 */
@Entity({ name: 'llm_user_limits' })
export class LlmUserLimitEntity {
  /** The user's JWT `sub`. */
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 256 })
  userId!: string;

  /** Requests per minute; null = no limit. */
  @Column({ name: 'rpm_limit', type: 'integer', nullable: true })
  rpmLimit!: number | null;

  /** Tokens per minute (reserved before a call, settled after it); null = no limit. */
  @Column({ name: 'tpm_limit', type: 'integer', nullable: true })
  tpmLimit!: number | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
