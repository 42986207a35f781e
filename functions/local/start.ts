// `npm start` will run the local API server (issue: records API). Until the records API exists,
// say so plainly instead of failing in some obscure way.
console.error(
  [
    'Chartproof: the local API server is not available yet.',
    'The verifiable journal core is in place: try `npm test`, `npm run bench` and `npx chartproof verify --help`.',
  ].join('\n'),
);
process.exitCode = 1;
