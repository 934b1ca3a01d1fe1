import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { SecretCipher } from '@kastra/secrets';
import { createLogger } from '@kastra/telemetry';
import { RegistryChangeBus } from './registry-change-bus';
import { REGISTRY_CIPHER, REGISTRY_DATA_SOURCE } from './registry-tokens';

const logger = createLogger('llm-proxy').child({ component: 'master-key-rotation' });

/** Rows rewritten per transaction: short transactions, no long locks, calls keep flowing. */
const DEFAULT_BATCH_SIZE = 100;

/** The encrypted columns of the registry. */
const TARGETS = [
  { table: 'llm_model_keys', column: 'key_ciphertext' },
  { table: 'llm_providers', column: 'api_key_ciphertext' },
] as const;

export interface RotationResult {
  /** Master key id every rewritten row is now encrypted with. */
  keyId: string;
  reencrypted: number;
  /** Rows no configured master key decrypts (left as they are, reported by id). */
  undecryptable: string[];
}

/**
 * Re-encrypts every stored key under the current master key. Run it after starting every
 * replica with the new KASTRA_MASTER_KEY and the old one in KASTRA_PREVIOUS_MASTER_KEYS: all
 * replicas then read both forms, so nothing stops while rows move over, batch by batch
 * (`FOR UPDATE SKIP LOCKED`, so two rotations at once share the work).
 */
@Injectable()
export class MasterKeyRotation {
  constructor(
    @InjectDataSource(REGISTRY_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(REGISTRY_CIPHER) private readonly cipher: SecretCipher,
    private readonly changes: RegistryChangeBus,
  ) {}

  async rotate(batchSize = DEFAULT_BATCH_SIZE): Promise<RotationResult> {
    const current = `v1:${this.cipher.keyId}:%`;
    const undecryptable: string[] = [];
    let reencrypted = 0;
    for (const { table, column } of TARGETS) {
      for (;;) {
        const moved = await this.dataSource.transaction(async (manager) => {
          const rows: Array<{ id: string; stored: string }> = await manager.query(
            `SELECT id, ${column} AS stored FROM ${table}
              WHERE ${column} IS NOT NULL AND ${column} NOT LIKE $1 AND NOT (id = ANY($2::uuid[]))
              ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED`,
            [current, undecryptable, batchSize],
          );
          for (const row of rows) {
            let plain: string;
            try {
              plain = this.cipher.decrypt(row.stored);
            } catch {
              undecryptable.push(row.id);
              continue;
            }
            await manager.query(`UPDATE ${table} SET ${column} = $1 WHERE id = $2`, [this.cipher.encrypt(plain), row.id]);
            reencrypted++;
          }
          return rows.length;
        });
        if (moved === 0) break;
      }
    }
    if (reencrypted > 0) this.changes.changed('models');
    logger.info({ keyId: this.cipher.keyId, reencrypted, undecryptable: undecryptable.length }, 'stored LLM keys re-encrypted under the current master key');
    return { keyId: this.cipher.keyId, reencrypted, undecryptable };
  }
}
