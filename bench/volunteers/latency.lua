-- wrk: prints the latency percentiles in a form run.py reads.
function done(summary, latency, requests)
  io.write(string.format("P99_MS %.2f\n", latency:percentile(99) / 1000))
  io.write(string.format("P50_MS %.2f\n", latency:percentile(50) / 1000))
end
