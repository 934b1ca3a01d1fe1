import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The registry's tables: providers, models (the admin API's fields) and encrypted keys. */
export class CreateLlmRegistry1767225600000 implements MigrationInterface {
  readonly name = 'CreateLlmRegistry1767225600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE llm_providers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(200) NOT NULL UNIQUE,
        type varchar(40) NOT NULL,
        base_url text,
        api_version varchar(40),
        enabled boolean NOT NULL DEFAULT true,
        config jsonb NOT NULL DEFAULT '{}'::jsonb,
        api_key_ciphertext text,
        api_key_hint varchar(40),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE llm_models (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(200) NOT NULL,
        model_id varchar(300) NOT NULL UNIQUE,
        upstream_model varchar(300),
        provider varchar(200) NOT NULL,
        type varchar(60) NOT NULL DEFAULT 'chat',
        description text NOT NULL DEFAULT '',
        status varchar(20) NOT NULL DEFAULT 'enabled',
        base_url text,
        api_version varchar(40),
        deployment varchar(200),
        auth_type varchar(40) NOT NULL DEFAULT 'api_key',
        key_usage_mode varchar(20) NOT NULL DEFAULT 'single',
        supports_vision boolean NOT NULL DEFAULT false,
        max_tokens integer,
        context_window integer,
        input_price double precision,
        output_price double precision,
        cache_read_price double precision,
        cache_write_price double precision,
        rpm_limit integer,
        tpm_limit integer,
        fallbacks jsonb NOT NULL DEFAULT '[]'::jsonb,
        source varchar(20) NOT NULL DEFAULT 'admin',
        resource_ref varchar(300) UNIQUE,
        options jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX llm_models_provider_idx ON llm_models (provider)`);
    await queryRunner.query(`
      CREATE TABLE llm_model_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        model_id uuid NOT NULL REFERENCES llm_models (id) ON DELETE CASCADE,
        key_ciphertext text NOT NULL,
        key_hint varchar(40) NOT NULL,
        status varchar(20) NOT NULL DEFAULT 'enabled',
        invalid_reason text,
        position integer NOT NULL DEFAULT 0,
        last_used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX llm_model_keys_model_idx ON llm_model_keys (model_id, position)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE llm_model_keys`);
    await queryRunner.query(`DROP TABLE llm_models`);
    await queryRunner.query(`DROP TABLE llm_providers`);
  }
}
