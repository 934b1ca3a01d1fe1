import { Global, Module, type DynamicModule } from '@nestjs/common';
import { loadDevelopmentSecrets } from './development-secrets';
import { JwtAuthority } from './jwt-authority';

/** Provides `JwtAuthority` to the whole app, keyed with the JWT secret of `homeDir`. */
@Global()
@Module({})
export class AuthModule {
  static forRoot(homeDir: string): DynamicModule {
    return {
      module: AuthModule,
      providers: [
        { provide: JwtAuthority, useFactory: () => new JwtAuthority(loadDevelopmentSecrets(homeDir).jwtSecret) },
      ],
      exports: [JwtAuthority],
    };
  }
}
