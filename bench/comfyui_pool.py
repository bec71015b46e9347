"""Throughput of the ComfyUI backend over a pool of servers, against the fake server.

    python bench/comfyui_pool.py [--servers 20] [--job-time 0.2] [--jobs 200] [--size 512]

Each fake server runs one prompt at a time and takes ``--job-time`` seconds per prompt, so
the ideal total is jobs × job time ÷ servers. Prints the measured total, the ideal and
their ratio (ideal ÷ measured); the target is ≥ 0.9. Runs by hand, not in CI.

Every fake server runs in a process of its own, as real servers would (``--in-process``
puts them all in this process, where they compete with the client for one GIL).
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from fake_comfyui import FakeComfyUI  # noqa: E402

from facebuild.backends.base import RenderRequest  # noqa: E402
from facebuild.backends.comfyui import ComfyUIBackend  # noqa: E402


def serve(job_time: float, progress_every: float, conn: Connection) -> None:
    """One fake server in a child process: send its URL, run until told, send its stats."""
    fake = FakeComfyUI(job_time=job_time, progress_every=progress_every).start()
    conn.send(fake.url)
    cpu = time.process_time()
    conn.recv()
    conn.send((len(fake.finished), fake.busy, time.process_time() - cpu))
    fake.stop()


class Servers:
    """``count`` fake servers, in child processes or in this one."""

    def __init__(self, count: int, job_time: float, progress_every: float, in_process: bool) -> None:
        self.local = [
            FakeComfyUI(job_time=job_time, progress_every=progress_every).start()
            for _ in range(count * in_process)
        ]
        self.children: list[tuple[Any, Connection]] = []
        context = multiprocessing.get_context("spawn")
        for _ in range(count * (not in_process)):
            here, there = context.Pipe()
            process = context.Process(target=serve, args=(job_time, progress_every, there), daemon=True)
            process.start()
            self.children.append((process, here))
        self.urls = [f.url for f in self.local] + [conn.recv() for _, conn in self.children]

    def stop(self) -> list[tuple[int, float, float]]:
        """(jobs run, seconds busy, CPU seconds once started) per server."""
        stats = [(len(f.finished), f.busy, 0.0) for f in self.local]
        for fake in self.local:
            fake.stop()
        for _, conn in self.children:
            conn.send("stop")
        stats += [conn.recv() for _, conn in self.children]
        for process, conn in self.children:
            process.join(10)
            conn.close()
        return stats


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=20)
    parser.add_argument("--job-time", type=float, default=0.2)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--size", type=int, default=512, help="side of the rendered PNG")
    parser.add_argument("--in-process", action="store_true", help="no child processes")
    parser.add_argument(
        "--progress-every",
        type=float,
        default=0.02,
        help="seconds between two progress messages of a fake server (0: every sampler step; "
        "a 30-step job squeezed into 0.2 s would otherwise send 150 messages a second)",
    )
    args = parser.parse_args()

    servers = Servers(args.servers, args.job_time, args.progress_every, args.in_process)
    options = {"url": servers.urls, "batch_size": args.batch_size}
    backend = ComfyUIBackend.from_options(options, Path(tempfile.gettempdir()))
    try:
        started = time.perf_counter()
        backend.preflight()
        preflight = time.perf_counter() - started
        requests = [
            RenderRequest(f"portrait number {i}", "blurry", i, args.size, args.size) for i in range(args.jobs)
        ]
        workers = backend.capabilities().max_concurrency
        started, cpu = time.perf_counter(), time.process_time()
        with ThreadPoolExecutor(max_workers=workers) as executor:
            images = list(executor.map(backend.generate, requests))
        total = time.perf_counter() - started
        client_cpu = time.process_time() - cpu
    finally:
        backend.close()
        stats = servers.stop()

    ideal = args.jobs * args.job_time / args.servers
    per_server = sorted(jobs for jobs, _, _ in stats)
    where = "in this process" if args.in_process else "one process each"
    print(
        f"servers {args.servers} ({where}), job time {args.job_time} s, jobs {args.jobs}, "
        f"batch_size {args.batch_size}, {args.size}x{args.size} PNGs, "
        f"progress every {args.progress_every} s"
    )
    print(f"preflight        {preflight:.3f} s (GET /object_info and websocket, all servers)")
    print(f"total            {total:.3f} s")
    print(f"ideal            {ideal:.3f} s (jobs x job time / servers)")
    servers_cpu = sum(cpu for _, _, cpu in stats)
    print(
        f"CPU time         client {client_cpu:.3f} s (generate phase), fake servers "
        f"{servers_cpu:.3f} s (after start-up); {multiprocessing.cpu_count()} CPUs"
    )
    print(f"ratio            {ideal / total:.3f} (target >= 0.9)")
    print(f"jobs per server  min {per_server[0]}, max {per_server[-1]}")
    busiest = max(busy for _, busy, _ in stats)
    print(f"busiest server   {busiest:.3f} s running prompts (the fake's own overhead included)")
    assert len(images) == args.jobs and all(image[:8] == b"\x89PNG\r\n\x1a\n" for image in images)
    return 0 if ideal / total >= 0.9 else 1


if __name__ == "__main__":
    raise SystemExit(main())
