import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

export const MODEL_STATUSES = ['enabled', 'disabled', 'inactive'] as const;
export const KEY_USAGE_MODES = ['single', 'round-robin'] as const;
/** Statuses an admin may give a key; `invalid` is set by the proxy when the provider rejects it. */
export const ADMIN_KEY_STATUSES = ['enabled', 'disabled'] as const;
const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/** One entry of `api_keys`: `{key, status}` adds a key, `{id, status}` changes one. */
export class ApiKeyBody {
  @ValidateIf((o: ApiKeyBody) => o.key === undefined)
  @IsUUID('all', { message: 'id must be the id of one of the model\'s keys (or give key to add one)' })
  id?: string;

  @ValidateIf((o: ApiKeyBody) => o.id === undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  key?: string;

  @IsOptional()
  @IsIn(ADMIN_KEY_STATUSES)
  status?: (typeof ADMIN_KEY_STATUSES)[number];
}

/**
 * A model as the admin API takes it: snake_case field names, as the model-management clients send them. On update
 * every field is optional and only the fields sent change.
 */
export class ModelBody {
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  model_id!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  provider!: string;

  /** chat, embedding, ... or a client's own values (生文): stored as given. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(60)
  type?: string;

  @IsOptional()
  @IsString()
  description?: string;

  @IsOptional()
  @IsIn(MODEL_STATUSES)
  status?: (typeof MODEL_STATUSES)[number];

  @IsOptional()
  @IsUrl(URL_OPTIONS)
  base_url?: string;

  @IsOptional()
  @IsString()
  @MaxLength(300)
  upstream_model?: string;

  @IsOptional()
  @IsString()
  @MaxLength(40)
  api_version?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  deployment?: string;

  @IsOptional()
  @IsString()
  @MaxLength(40)
  auth_type?: string;

  @IsOptional()
  @IsIn(KEY_USAGE_MODES)
  key_usage_mode?: (typeof KEY_USAGE_MODES)[number];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => ApiKeyBody)
  api_keys?: ApiKeyBody[];

  @IsOptional()
  @IsBoolean()
  supports_vision?: boolean;

  @IsOptional()
  @IsInt()
  @Min(1)
  max_tokens?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  context_window?: number;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  input_price?: number;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  output_price?: number;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  cache_read_price?: number;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  cache_write_price?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  rpm_limit?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  tpm_limit?: number;

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  fallbacks?: string[];

  @IsOptional()
  @IsObject()
  options?: Record<string, unknown>;
}

/** A provider account as the admin API takes it. `api_key` is write-only; `null` removes it. */
export class ProviderBody {
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @IsString()
  @IsNotEmpty()
  type!: string;

  @IsOptional()
  @IsUrl(URL_OPTIONS)
  base_url?: string;

  @IsOptional()
  @IsString()
  @MaxLength(40)
  api_version?: string;

  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @IsOptional()
  @IsObject()
  config?: Record<string, unknown>;

  @IsOptional()
  @ValidateIf((_o, value) => value !== null)
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  api_key?: string | null;
}
