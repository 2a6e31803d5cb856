// ESM: package.json has "type": "module".
export default { reactStrictMode: true };
