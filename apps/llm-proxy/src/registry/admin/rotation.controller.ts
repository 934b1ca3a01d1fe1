import { Controller, HttpCode, Post, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import { MasterKeyRotation } from '../master-key-rotation';
import { AdminAuditInterceptor } from './admin-audit.interceptor';
import { AdminRoleGuard } from './admin-role.guard';
import { RegistryErrorFilter } from './registry-error.filter';

/** `POST /api/v1/llm/admin/rotate-master-key` (admin): re-encrypts stored keys; see master-key-rotation.ts. */
@Controller('api/v1/llm/admin')
@UseGuards(AdminRoleGuard)
@UseFilters(RegistryErrorFilter)
@UseInterceptors(AdminAuditInterceptor)
export class RotationController {
  constructor(private readonly rotation: MasterKeyRotation) {}

  @Post('rotate-master-key')
  @HttpCode(200)
  async rotate() {
    const result = await this.rotation.rotate();
    return { key_id: result.keyId, reencrypted: result.reencrypted, undecryptable: result.undecryptable };
  }
}
