// ESM: package.json has "type": "module".
// No "X-Powered-By: Next.js" header: it tells a scanner what to try and helps nobody else.
export default { reactStrictMode: true, poweredByHeader: false };
