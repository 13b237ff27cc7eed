// Preloaded (`--require`) into a child process whose memory a test measures: prints the peak resident
// set size (kilobytes, as getrusage reports it) on standard error when the process exits.
process.on('exit', () => {
  process.stderr.write(`certwatch-max-rss-kb=${process.resourceUsage().maxRSS}\n`);
});
