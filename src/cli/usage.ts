// A command-line mistake: bin/qfront prints the message and the usage, and exits 100.
export class UsageError extends Error {}
