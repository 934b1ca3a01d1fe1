import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-user rate limits set by an admin (`/api/v1/llm/user-limits`). */
export class CreateLlmUserLimits1795322707000 implements MigrationInterface {
  readonly name = 'CreateLlmUserLimits1795322707000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE llm_user_limits (
        user_id varchar(256) PRIMARY KEY,
        rpm_limit integer CHECK (rpm_limit >= 0),
        tpm_limit integer CHECK (tpm_limit >= 0),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE llm_user_limits`);
  }
}
