#!/usr/bin/env node
// Writes infra/k8s/overlays/dev/secrets.env (git-ignored) with a random master key and JWT secret
// for the dev overlay, unless it exists: every clone gets keys of its own, none is committed.
// (A 32-character JWT secret: kustomize folds longer base64 values over lines, which the API refuses.)
// Run it once before `kubectl kustomize infra/k8s` / `kubectl apply -k infra/k8s`.
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const file = path.join(__dirname, 'secrets.env');
if (!fs.existsSync(file)) {
  const lines = [`master-key=${randomBytes(32).toString('base64')}`, `jwt-secret=${randomBytes(24).toString('base64url')}`];
  fs.writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
