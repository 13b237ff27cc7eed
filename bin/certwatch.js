#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx certwatch` works from a checkout without a build step.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs/api').register();
require('./certwatch.ts');
