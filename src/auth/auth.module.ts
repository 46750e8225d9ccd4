import { Global, Module } from '@nestjs/common';
import { AccessGuard } from './access.guard';
import { Authenticator } from './authenticator.service';
import { SameOriginGuard } from './same-origin.guard';

/** Who is asking (bearer tokens) and the request guards that do not depend on a feature. */
@Global()
@Module({
  providers: [Authenticator, AccessGuard, SameOriginGuard],
  exports: [Authenticator, AccessGuard, SameOriginGuard],
})
export class AuthModule {}
