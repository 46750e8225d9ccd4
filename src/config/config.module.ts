import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService, registerAs } from '@nestjs/config';
import { AppConfig, loadAppConfig } from './app-config';

export interface AllConfig {
  app: AppConfig;
}

/** Typed access to the one validated configuration object. */
export type TypedConfigService = ConfigService<AllConfig, true>;

export function appConfigOf(config: TypedConfigService): AppConfig {
  return config.get('app', { infer: true });
}

/**
 * For `ConfigModule.forRoot({ validate })`: the same schema as loadAppConfig, so the variables
 * are read once, validated at start-up (a ConfigError names every bad one) and typed under 'app'.
 */
export function validate(env: Record<string, unknown>): AllConfig {
  return { app: loadAppConfig(env) };
}

/**
 * main.ts, worker.ts and the tests load and validate the configuration before Nest starts (so a
 * bad value ends in one line per variable, not a Nest stack trace) and hand it in here; nothing
 * reads process.env after start-up. Without a config, the module validates process.env itself.
 */
@Module({})
export class AppConfigModule {
  static forRoot(config?: AppConfig): DynamicModule {
    const root =
      config === undefined
        ? ConfigModule.forRoot({ ignoreEnvFile: true, validate })
        : ConfigModule.forRoot({
            ignoreEnvFile: true,
            ignoreEnvVars: true,
            load: [registerAs('app', () => config)],
          });
    return {
      module: AppConfigModule,
      global: true,
      imports: [root],
      exports: [ConfigModule],
    };
  }
}
