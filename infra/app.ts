// The CDK app (ARCHITECTURE.md D6) is built by the infrastructure issue. Until then `npx cdk synth`
// must say so plainly rather than fail obscurely.
console.error('Chartproof: the CDK app is not available yet; the infrastructure (infra/) is still to be built.');
process.exitCode = 1;
