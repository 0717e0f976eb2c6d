"""The dataset registry and the verifying, resuming downloader (against a loopback server)."""
from __future__ import annotations

import gzip
import hashlib
import json
import re
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

import imx
from imx.errors import InputError, ParameterError
from imx.io import datasets as dsets
from imx.io.datasets import Dataset, DownloadError
from tests import GRAPHS, KARATE, SHARED_GRAPHS


REQUIRED = ["ego-Facebook", "wiki-Vote", "email-Enron", "ca-GrQc", "ca-HepPh", "NetHEPT",
            "soc-Epinions1", "soc-Slashdot0811", "soc-Slashdot0902", "com-DBLP", "com-Amazon",
            "com-Youtube", "soc-Pokec", "soc-LiveJournal1", "com-Orkut", "twitter-2010",
            "com-Friendster"]


# ---------------------------------------------------------------- registry


def test_registry_lists_the_standard_graphs_with_sane_fields():
    reg = dsets.registry()
    for name in REQUIRED:
        ds = dsets.get_dataset(name)
        assert ds.name == name
    for ds in reg.values():
        assert ds.nodes > 0 and ds.edges > 0 and ds.edge_lines >= ds.edges or ds.edge_lines > 0
        assert ds.url == "" or ds.url.startswith("https://")
        assert ds.url or ds.notes, f"{ds.name}: no download and no note saying where to get it"
        assert ds.page.startswith(("https://", "http://"))
        assert ds.delimiter in ("\t", " ", ",")
        for fname, digest in ds.sha256.items():
            assert re.fullmatch(r"[0-9a-f]{64}", digest), (ds.name, fname)
        if not ds.directed and not ds.undirected:
            # an undirected graph loaded as directed must list both directions
            assert ds.edge_lines == 2 * ds.edges or "both directions" in ds.notes


def test_registry_lookup_aliases_and_unknown_names():
    assert dsets.get_dataset("SLASHDOT").name == "soc-Slashdot0902"
    assert dsets.get_dataset("facebook").name == "ego-Facebook"
    with pytest.raises(ParameterError, match="did you mean wiki-Vote"):
        dsets.get_dataset("wiki-vot")


def test_sample_graph_and_registry_come_from_the_one_copy_in_graphs():
    assert dsets.data_folder() == GRAPHS
    assert dsets.package_file(dsets.get_dataset("karate")) == KARATE


def test_bad_registry_text_is_a_clear_error():
    with pytest.raises(InputError, match="registry.toml: dataset entry 1"):
        dsets._parse_registry('[[dataset]]\nname = "x"\n', "registry.toml")


@pytest.mark.skipif(not SHARED_GRAPHS.is_dir(), reason="../shared/graphs is absent")
def test_local_copies_match_registry_checksums_and_counts(tmp_path):
    small = ["wiki-Vote", "ca-GrQc", "email-Eu-core", "ego-Facebook", "NetHEPT",
             "dnc-corecipient"]
    for name in small:
        path = dsets.fetch(name, data_dir=SHARED_GRAPHS, cache_dir=tmp_path)
        ds = dsets.get_dataset(name)
        note = json.loads(dsets.cache_entry(name, tmp_path)[1].read_text())
        assert note["sha256_verified"], name
        g = imx.load_graph(path)
        assert g.n == ds.nodes and g.edges_read == ds.edge_lines
        assert g.directed == (not ds.undirected)


def test_karate_ships_in_the_package(tmp_path):
    path = dsets.fetch("karate", cache_dir=tmp_path)
    g = imx.load_graph(path)
    assert (g.n, g.m, g.directed) == (34, 156, False)
    assert dsets.dataset_path("karate", cache_dir=tmp_path) == path


# ---------------------------------------------------------------- loopback server


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    body = b""
    honour_range = True
    cut_after: int | None = None   # send this many body bytes, then drop the connection
    cut_always = False
    ranges: list


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server API)
        srv: _Server = self.server
        rng = self.headers.get("Range")
        srv.ranges.append(rng)
        body = srv.body
        start = 0
        if rng and srv.honour_range:
            start = int(rng.split("=", 1)[1].split("-", 1)[0])
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        payload = body[start:]
        if srv.cut_after is not None:
            payload = payload[:srv.cut_after]
            if not srv.cut_always:
                srv.cut_after = None
        self.wfile.write(payload)
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture()
def server(monkeypatch):
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    srv = _Server(("127.0.0.1", 0), _Handler)
    srv.ranges = []
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()


def _tiny_dataset(srv: _Server) -> Dataset:
    rng = np.random.default_rng(5)
    src = rng.integers(0, 400, 3000)
    dst = rng.integers(0, 400, 3000)
    keep = src != dst
    lines = "".join(f"{u}\t{v}\n" for u, v in zip(src[keep], dst[keep]))
    body = gzip.compress(("# tiny test graph\n" + lines).encode(), mtime=0)
    srv.body = body
    nodes = len(set(src[keep].tolist()) | set(dst[keep].tolist()))
    url = f"http://127.0.0.1:{srv.server_address[1]}/data/tiny.txt.gz"
    return Dataset(name="tiny", title="tiny", source="test", page=url, url=url, nodes=nodes,
                   edges=int(keep.sum()), edge_lines=int(keep.sum()), directed=True,
                   undirected=False, sha256={"tiny.txt.gz": hashlib.sha256(body).hexdigest()})


def _cache_files(cache: Path) -> list[str]:
    return sorted(str(p.relative_to(cache)) for p in cache.rglob("*") if p.is_file())


def test_download_good_file_converts_once(server, tmp_path):
    ds = _tiny_dataset(server)
    seen = []
    path = dsets.fetch(ds, cache_dir=tmp_path, progress=lambda d, t, lab: seen.append((d, t)))
    g = imx.load_graph(path)
    assert (g.n, g.edges_read) == (ds.nodes, ds.edge_lines)
    assert _cache_files(tmp_path) == ["raw/tiny.txt.gz", "tiny.imxg", "tiny.json"]
    assert seen and seen[-1] == (len(server.body), len(server.body))
    # a second fetch uses the cache: no new request
    assert dsets.fetch(ds, cache_dir=tmp_path) == path
    assert server.ranges == [None]


def test_bad_checksum_leaves_no_file(server, tmp_path):
    ds = _tiny_dataset(server)
    ds = replace(ds, sha256={"tiny.txt.gz": "0" * 64})
    with pytest.raises(DownloadError, match="checksum mismatch"):
        dsets.fetch(ds, cache_dir=tmp_path)
    assert _cache_files(tmp_path) == []


def test_truncated_download_is_refused_and_never_cached(server, tmp_path):
    ds = _tiny_dataset(server)
    server.cut_after, server.cut_always = len(server.body) // 3, True
    for _ in range(2):
        with pytest.raises(DownloadError, match="truncated"):
            dsets.fetch(ds, cache_dir=tmp_path)
        # only the resumable partial file exists, never the final name or a graph
        assert _cache_files(tmp_path) == ["raw/tiny.txt.gz.part"]
    with pytest.raises(ParameterError, match="not available"):
        dsets.dataset_path(ds, cache_dir=tmp_path)


def test_interrupted_download_resumes_with_range(server, tmp_path):
    ds = _tiny_dataset(server)
    half = len(server.body) // 2
    server.cut_after = half
    with pytest.raises(DownloadError, match="run again to resume"):
        dsets.fetch(ds, cache_dir=tmp_path)
    assert (tmp_path / "raw" / "tiny.txt.gz.part").stat().st_size == half
    path = dsets.fetch(ds, cache_dir=tmp_path)
    assert server.ranges == [None, f"bytes={half}-"]
    assert (tmp_path / "raw" / "tiny.txt.gz").read_bytes() == server.body
    assert imx.load_graph(path).n == ds.nodes
    assert "raw/tiny.txt.gz.part" not in _cache_files(tmp_path)


def test_resume_against_a_server_without_range_starts_over(server, tmp_path):
    ds = _tiny_dataset(server)
    server.cut_after = 100
    with pytest.raises(DownloadError):
        dsets.fetch(ds, cache_dir=tmp_path)
    server.honour_range = False
    dsets.fetch(ds, cache_dir=tmp_path)
    assert (tmp_path / "raw" / "tiny.txt.gz").read_bytes() == server.body


def test_corrupt_partial_file_is_discarded_then_refetched(server, tmp_path):
    ds = _tiny_dataset(server)
    part = tmp_path / "raw" / "tiny.txt.gz.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(b"garbage" * 10)
    with pytest.raises(DownloadError, match="checksum mismatch"):
        dsets.fetch(ds, cache_dir=tmp_path)
    assert _cache_files(tmp_path) == []
    dsets.fetch(ds, cache_dir=tmp_path)
    assert (tmp_path / "raw" / "tiny.txt.gz").read_bytes() == server.body


def test_unverifiable_download_with_wrong_counts_is_removed(server, tmp_path):
    ds = replace(_tiny_dataset(server), sha256={})
    wrong = replace(ds, nodes=ds.nodes + 1)
    with pytest.raises(InputError, match="registry says"):
        dsets.fetch(wrong, cache_dir=tmp_path)
    assert _cache_files(tmp_path) == []
    dsets.fetch(ds, cache_dir=tmp_path)  # the right counts pass
    assert (tmp_path / "tiny.imxg").is_file()


def test_unreachable_server_is_a_download_error(tmp_path):
    with pytest.raises(DownloadError, match="cannot connect"):
        dsets.download("http://127.0.0.1:9/x.gz", tmp_path / "x.gz", timeout=2)
