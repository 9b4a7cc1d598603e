"""`make bench`: every benchmark table in one run."""

from benchmarks import (
    bench_batch,
    bench_cli,
    bench_explorer,
    bench_jobs,
    bench_model,
    bench_service,
    bench_serving,
)

bench_model.main()
bench_service.main()
bench_serving.main()
bench_batch.main()
bench_jobs.main()
bench_explorer.main()
bench_cli.main()
