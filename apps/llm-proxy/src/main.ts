import 'reflect-metadata';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { runService } from '@kastra/service-host';
import { LlmProxyModule } from './llm-proxy.module';

// runService has already logged why it could not start.
runService({
  service: 'llm-proxy',
  module: LlmProxyModule,
  // Bodies are read after authentication: JsonBodyInterceptor and the fast edge, up to KASTRA_LLM_BODY_LIMIT.
  bodyParser: false,
  listen: async (app, config) => {
    const express = app as NestExpressApplication;
    // No framework banner on an internet-facing gateway.
    express.disable('x-powered-by');
    // Completions are never revalidated: hashing every body for an ETag is wasted CPU per call.
    express.set('etag', false);
    await app.listen(config.port, config.bindAddress);
  },
}).catch(() => process.exit(1));
