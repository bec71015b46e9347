"""Benchmark of the shared store (run by hand, not in CI; needs ``moto[server]``).

A 1,000-target cast (250 characters x 4 variants, 500 distinct renders, sketch backend) is
built once on "machine A" with ``store: s3://...`` against moto's S3 server on loopback,
which fills the shared store. Then, each in a folder of its own:
  - a fresh clone (cast.yaml only, empty local store) builds from the shared store:
    target 0 generations;
  - a fresh clone with a warm local store (a copy of A's .facebuild/store) builds from it;
  - the same fresh clone from the shared store again (its local cache now warm): the no-op.

    python bench/shared_store_bench.py [--characters 250] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from core_bench import write_cast  # noqa: E402  (the same cast as the core bench)


def build(cast: Path, env: dict[str, str], *extra: str) -> tuple[float, int, str]:
    """(seconds, renders generated, summary line) of one ``facebuild build``."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "facebuild", "build", str(cast),
                           "--output-format", "plain", *extra], cwd=cast.parent, env=env,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"build failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr}")
    summary = [line for line in done.stdout.splitlines() if line.startswith("built:")]
    line = summary[-1] if summary else done.stdout.strip().splitlines()[-1]
    renders = re.search(r"\((\d+) renders?\)", line)
    return seconds, int(renders.group(1)) if renders else 0, line


def clone(source: Path, folder: Path, store: str | None) -> Path:
    folder.mkdir(parents=True)
    text = source.read_text()
    (folder / "cast.yaml").write_text(text + (f"store: {store}\n" if store else ""))
    return folder / "cast.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--characters", type=int, default=250)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
           "AWS_DEFAULT_REGION": "us-east-1", "FACEBUILD_STORE_ENDPOINT_URL": endpoint}
    env.pop("FACEBUILD_STORE", None)
    with tempfile.TemporaryDirectory(prefix="facebuild-shared-bench-") as tmp:
        root = Path(tmp)
        base = write_cast(root, args.characters)
        targets = args.characters * 4
        bucket = "facebuild-bench"
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                     aws_access_key_id="bench", aws_secret_access_key="bench"
                     ).create_bucket(Bucket=bucket)
        url = f"s3://{bucket}/renders"
        seconds, renders, line = build(clone(base, root / "a", url), env)
        print(f"machine A fills the shared store: {seconds:.2f} s, {renders} renders ({line})")

        shared, warm, noop = [], [], []
        for run in range(args.runs):
            b = clone(base, root / f"b{run}", url)
            seconds, renders, line = build(b, env)
            assert renders == 0, line
            shared.append(seconds)
            seconds, renders, line = build(b, env, "--force")  # local cache warm now
            noop.append(seconds)
            c = clone(base, root / f"c{run}", None)
            shutil.copytree(root / "a" / ".facebuild" / "store", c.parent / ".facebuild" / "store")
            seconds, renders, line = build(c, env)
            assert renders == 0, line
            warm.append(seconds)
        server.stop()
    print(f"{targets} targets, {args.characters * 2} distinct renders, median of {args.runs}:")
    print(f"  fresh clone, shared store (S3 on loopback):   {statistics.median(shared):6.2f} s, "
          "0 generations")
    print(f"  fresh clone, warm local store:                {statistics.median(warm):6.2f} s, "
          "0 generations")
    print(f"  same clone again with --force (cache warm):   {statistics.median(noop):6.2f} s")


if __name__ == "__main__":
    main()
