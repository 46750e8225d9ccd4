import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService, registerAs } from '@nestjs/config';
import { AppConfig } from './app-config';

export interface AllConfig {
  app: AppConfig;
}

/** Typed access to the one validated configuration object. */
export type TypedConfigService = ConfigService<AllConfig, true>;

export function appConfigOf(config: TypedConfigService): AppConfig {
  return config.get('app', { infer: true });
}

/**
 * The configuration is loaded and validated before Nest starts (main.ts, worker.ts, tests), then
 * handed in here, so nothing reads process.env after start-up.
 */
@Module({})
export class AppConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppConfigModule,
      global: true,
      imports: [
        ConfigModule.forRoot({
          ignoreEnvFile: true,
          ignoreEnvVars: true,
          load: [registerAs('app', () => config)],
        }),
      ],
      exports: [ConfigModule],
    };
  }
}
